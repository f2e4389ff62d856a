"""Seed the built-in gazetteer and organisation aliases; re-seeds only when the vocab files change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Connection, insert, select, update

from db.gazetteer import upsert_places
from db.models import Setting
from db.organisations import upsert_organisations
from loaders import gazetteer

_KEY = "builtin_vocab_sha256"
_VOCAB = Path(gazetteer.__file__).with_name("vocab")
_FILES = ("gazetteer.csv", "organisations.csv")


def _vocab_digest() -> str:
    digest = hashlib.sha256()
    for name in _FILES:
        digest.update((_VOCAB / name).read_bytes())
    return digest.hexdigest()


def seed_vocabularies(conn: Connection) -> bool:
    """Upsert built-in places and organisations when their files changed. True if it seeded."""
    digest = _vocab_digest()
    current = conn.execute(select(Setting.value).where(Setting.key == _KEY)).scalar_one_or_none()
    if current == digest:
        return False
    upsert_places(conn, gazetteer.builtin_places(), origin="builtin", import_id=None)
    upsert_organisations(conn, gazetteer.builtin_organisations())
    if current is None:
        conn.execute(insert(Setting).values(key=_KEY, value=digest))
    else:
        conn.execute(update(Setting).where(Setting.key == _KEY).values(value=digest))
    return True
