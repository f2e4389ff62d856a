"""Two small reads the weekly report needs that db.queries and db.trends do not offer yet: where
places sit (admin areas, p-code, coordinates) and every organisation that ran a convoy.

Read-only, on the read engine, like db.queries.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from db import analytics
from db.models import FactOrganisation, Organisation, Place
from db.reading import read_frame

PLACE_COLUMNS = ["place_id", "admin1", "admin2", "pcode", "lat", "lon", "admin2_lat", "admin2_lon"]


def place_details(place_ids: list[int], parents: analytics.ParentMap, url: str | None = None) -> pd.DataFrame:
    """One row per place of ``place_ids``: admin1 and admin2 names (the nearest containing places at
    those levels, or the place itself), p-code, own lat/lon and the coordinates of its admin-2 area
    (admin-1 when it has no admin-2; NaN when neither is known). Columns: PLACE_COLUMNS."""
    ids = sorted({int(p) for p in place_ids})
    if not ids:
        return pd.DataFrame(columns=PLACE_COLUMNS)
    wanted = set(ids) | {a for p in ids for a in analytics.ancestors(p, parents)}
    stmt = select(Place.id, Place.name, Place.admin_level, Place.pcode, Place.lat, Place.lon).where(
        Place.id.in_(sorted(wanted))
    )
    rows = {int(r.id): r for r in read_frame(stmt, url).itertuples()}
    out = []
    for place in ids:
        chain = [rows[p] for p in [place, *analytics.ancestors(place, parents)] if p in rows]
        admin = {level: next((r for r in chain if r.admin_level == level), None) for level in (1, 2)}
        area = admin[2] or admin[1]
        own = rows.get(place)
        out.append(
            {
                "place_id": place,
                "admin1": admin[1].name if admin[1] is not None else None,
                "admin2": admin[2].name if admin[2] is not None else None,
                "pcode": own.pcode if own is not None else None,
                "lat": own.lat if own is not None else None,
                "lon": own.lon if own is not None else None,
                "admin2_lat": area.lat if area is not None else None,
                "admin2_lon": area.lon if area is not None else None,
            }
        )
    return pd.DataFrame(out, columns=PLACE_COLUMNS)


def organisations(fact_ids: list[int], role: str, url: str | None = None) -> dict[int, str]:
    """{fact id: 'ICRC; SARC; UN'}: the short names of every organisation in ``role`` (operator or
    source), sorted and '; '-joined. Facts with none are left out."""
    ids = sorted({int(f) for f in fact_ids})
    if not ids:
        return {}
    stmt = (
        select(FactOrganisation.fact_id, Organisation.short_name)
        .join(Organisation, Organisation.id == FactOrganisation.organisation_id)
        .where(FactOrganisation.fact_id.in_(ids), FactOrganisation.role == role)
        .order_by(FactOrganisation.fact_id, Organisation.short_name)
    )
    frame = read_frame(stmt, url)
    return {int(k): "; ".join(g["short_name"]) for k, g in frame.groupby("fact_id")}
