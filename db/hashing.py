"""Fact fingerprints and content hashes, fast and byte-for-byte equal to the slow definitions.

``FactRecord.fingerprint()`` and ``db.writer``'s content hash are SHA-256 digests of
``json.dumps(..., sort_keys=True, default=str, ensure_ascii=False)`` of a record (the content via
``dataclasses.asdict``). Stores hold these digests, so they can never change; but ``asdict`` copies
every field deeply and costs ~90 µs a record. Here the same JSON text is assembled field by field
(keys in sorted order, the separators json.dumps writes), nested values encoded once per distinct
value. tests/db/test_hashing.py checks equality with the slow path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import fields, replace
from operator import attrgetter
from typing import Any

from loaders.records import DateValue, FactRecord, PlaceRef, Quantity

_FIELDS = sorted(f.name for f in fields(FactRecord) if f.name != "provenance")
_PLACE = sorted(f.name for f in fields(PlaceRef))
_QUANTITY = sorted(f.name for f in fields(Quantity))
_DATE = sorted(f.name for f in fields(DateValue))
_SORTED_LISTS = {"organisations", "sources", "outcome_tags"}
_encode = json.JSONEncoder(ensure_ascii=False, default=str, sort_keys=True).encode  # json.dumps' settings
_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


class Hasher:
    """Fingerprints and content hashes of records. The JSON text is assembled field by field in
    sorted key order; nested values (quantities, dates, places) are encoded once per distinct value."""

    def __init__(self) -> None:
        self._memo: dict[Any, str] = {}
        self._places: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self._lists: dict[tuple[Any, ...], str] = {}
        self._get = attrgetter(*_FIELDS)

    def _nested(self, value: Any, names: list[str]) -> str:
        found = self._memo.get(value)
        if found is None:
            if len(self._memo) > 200_000:  # distinct values are few; the bound keeps memory flat anyway
                self._memo.clear()
            found = self._memo[value] = _encode({n: getattr(value, n) for n in names} if names else value)
        return found

    def _place(self, place: PlaceRef) -> str:
        """Events of one place differ in their coordinates only: the rest is encoded once."""
        key = _place_key(place)
        found = self._places.get(key)
        if found is None:
            if len(self._places) > 200_000:
                self._places.clear()
            text = _place(replace(place, lat=_MARK, lon=_MARK))  # type: ignore[arg-type]
            head, middle, tail = text.split(_MARK_JSON)
            found = self._places[key] = (head, middle, tail)
        head, middle, tail = found
        return head + _scalar(place.lat) + middle + _scalar(place.lon) + tail

    def _list(self, name: str, value: list[Any]) -> str:
        key = (name, *value)
        found = self._lists.get(key)
        if found is None:
            if len(self._lists) > 200_000:
                self._lists.clear()
            found = self._lists[key] = _encode(sorted(value) if name in _SORTED_LISTS else value)
        return found

    def content_json(self, record: FactRecord) -> str:
        """``json.dumps(record.content(), sort_keys=True, default=str, ensure_ascii=False)``."""
        parts = ["{"]
        for prefix, name, value in zip(_PREFIXES, _FIELDS, self._get(record), strict=True):
            parts.append(prefix)
            if value is None:
                parts.append("null")
            elif type(value) is str:
                parts.append(_string(value))
            elif isinstance(value, Quantity):
                parts.append(self._nested(value, _QUANTITY))
            elif isinstance(value, DateValue):
                parts.append(self._nested(value, _DATE))
            elif isinstance(value, PlaceRef):
                parts.append(self._place(value))
            elif isinstance(value, list):
                parts.append(self._list(name, value) if value else "[]")
            else:  # dates, booleans, the kind: few distinct values
                parts.append(self._nested(value, []))
        parts.append("}")
        return "".join(parts)

    def content_hash(self, record: FactRecord) -> str:
        return hashlib.sha256(self.content_json(record).encode("utf-8")).hexdigest()

    @staticmethod
    def fingerprint(record: FactRecord) -> str:
        if not record.external_id:
            return record.fingerprint()
        text = f'{{"external_id": {_string(record.external_id)}, "kind": {_string(str(record.kind))}}}'
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _scalar(value: Any) -> str:
    """JSON of a plain value as json.dumps writes it (finite floats as repr, like json does)."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is float and value == value and value not in (float("inf"), float("-inf")):
        return float.__repr__(value)
    if kind is int:
        return int.__repr__(value)
    return _encode(value)


_PLACE_KEY = [name for name in _PLACE if name not in ("lat", "lon")]
_place_key = attrgetter(*_PLACE_KEY)
_MARK = "\x00coordinate\x00"  # stands in for lat and lon while the rest of a place is encoded
_MARK_JSON = _string(_MARK)


def _place(place: PlaceRef) -> str:
    return "{" + ", ".join(prefix + _scalar(getattr(place, name)) for prefix, name in _PLACE_PARTS) + "}"


_PLACE_PARTS = [(_string(name) + ": ", name) for name in _PLACE]
_PREFIXES = [("" if i == 0 else ", ") + _string(name) + ": " for i, name in enumerate(_FIELDS)]
