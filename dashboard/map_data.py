"""The Map page's data: one figure per place (db.shapes), imported admin boundaries and the
Natural Earth country outlines shipped in dashboard/geo, cached like every dashboard.data wrapper.

Viewers are outside the sensitive boundary: they see what the public weekly report shows. So a
viewer's map puts each place at its admin-2 area (admin-1 when it has none), the public report's
rule (db.lookups.place_details, used by dashboard.report.model too), never at its own coordinates;
exact coordinates need the role that may export the internal report. The choice is part of the
cache key, so an editor's cached figures never reach a viewer.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, StoreKey, pending_allowed, store_key
from dashboard.session import current_actor
from db.auth import report_action
from db.queries import Scope
from db.shapes import PlaceFigures

COUNTRIES_FILE = Path(__file__).resolve().parent / "geo" / "countries.geojson"
# Imported admin polygons are drawn at about 500 m precision: plenty at the zoom a country needs.
SHAPE_TOLERANCE = 0.005


def exact_allowed() -> bool:
    """Whether the current actor may see places' own coordinates (editors and admins)."""
    actor = current_actor()
    return actor is not None and actor.may(report_action("internal"))


def area_coordinates(frame: pd.DataFrame, url: str | None) -> pd.DataFrame:
    """``frame`` (columns place_id, lat, lon, ...) with lat/lon replaced by the coordinates of each
    place's admin-2 area (admin-1 without one; NaN when neither is known): the public rule."""
    if frame.empty:
        return frame
    from db import lookups, queries

    areas = lookups.place_details(frame["place_id"].astype(int).tolist(), queries.place_parents(url), url)
    by_id = areas.set_index("place_id")
    ids = frame["place_id"].astype(int)
    return frame.assign(
        lat=ids.map(by_id["admin2_lat"]).astype("float64").to_numpy(),
        lon=ids.map(by_id["admin2_lon"]).astype("float64").to_numpy(),
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _place_figures(
    key: StoreKey, metric: str, start: dt.date, end: dt.date, pending: bool, exact: bool
) -> PlaceFigures:
    from db.shapes import place_figures as figures

    found = figures(metric, start, end, Scope(include_pending=pending), key[0])
    return found if exact else replace(found, frame=area_coordinates(found.frame, key[0]))


def place_figures(metric: str, start: dt.date, end: dt.date, include_pending: bool = False) -> PlaceFigures:
    """One figure per place for the Map page (db.shapes.place_figures); for a viewer each place is
    at its admin-2 area (see the module docstring)."""
    return _place_figures(
        store_key(), metric, start, end, include_pending and pending_allowed(), exact_allowed()
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _boundary_levels(key: StoreKey) -> list[int]:
    from db.shapes import boundary_levels as levels

    return levels(key[0])


def boundary_levels() -> list[int]:
    """Admin levels with imported polygons (-1: level unknown)."""
    return _boundary_levels(store_key())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _admin_boundaries(key: StoreKey, level: int) -> dict[str, Any]:
    from dashboard.maps import admin_collection
    from db.shapes import boundaries

    shapes = boundaries(level, key[0])
    shapes["geometry"] = shapes["geojson"].map(_parsed)
    return admin_collection(shapes, SHAPE_TOLERANCE)


def _parsed(text: Any) -> Any:
    """A stored geometry, or None when its JSON is damaged (admin_collection then skips it)."""
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None


def admin_boundaries(level: int) -> dict[str, Any]:
    """The imported polygons of one admin level as a display-ready GeoJSON FeatureCollection;
    its ``skipped`` member lists the places whose stored geometry cannot be drawn."""
    return _admin_boundaries(store_key(), level)


@st.cache_resource(show_spinner=False)
def country_outlines() -> dict[str, Any]:
    """Natural Earth country outlines shipped in dashboard/geo (read once per process; do not modify)."""
    from dashboard.maps import with_bboxes

    return with_bboxes(json.loads(COUNTRIES_FILE.read_text(encoding="utf-8")))
