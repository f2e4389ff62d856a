"""Format detection: one plain dict from Format to loader, and one function that picks.

Each loader module offers ``detect(head: Head) -> int`` (0 = not mine, higher = surer) and
``load(path, **options) -> LoadResult``. ``detect_format`` asks them all and takes the surest,
so a file is never read by a loader that did not claim it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from loaders.limits import reject_oversized
from loaders.normalise.text import decode_bytes, split_rows
from loaders.records import LoadError, LoadResult
from loaders.safety import check_upload, reject_implausible

HEAD_BYTES = 256 * 1024


class Format(StrEnum):
    TABLE_CSV = "table-csv"
    TABLE_XLSX = "table-xlsx"
    HXL = "hxl"
    ACLED = "acled"
    AWSD = "awsd"
    KIKA = "insecurity-insight-kika"
    DAILY_CASUALTIES = "daily-casualties-json"
    COD_PCODES = "cod-pcodes"
    COD_GEOJSON = "cod-geojson"
    REPORT = "report"


@dataclass(slots=True)
class Head:
    """What detectors look at: the file's name, its first bytes, and for text files the first rows."""

    path: Path
    raw: bytes
    text: str | None = None
    rows: list[list[str]] = field(default_factory=list)
    decode_error: LoadError | None = None  # why the first bytes are not text we can read
    json_value: Any = None  # parsed JSON when the whole file is JSON and small enough to peek at
    is_xlsx: bool = False

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


class Loader(Protocol):
    def detect(self, head: Head) -> int: ...

    def load(self, path: Path, **options: Any) -> LoadResult: ...


def _loaders() -> dict[Format, Loader]:
    # Imported here so that the registry module stays importable while a loader is broken,
    # and the error names the loader instead of failing every import.
    from loaders import acled, awsd, cod, cod_geojson, daily_casualties, hxl, kika, reports, tabular

    return {
        Format.TABLE_CSV: tabular.CSV_LOADER,
        Format.TABLE_XLSX: tabular.XLSX_LOADER,
        Format.HXL: hxl,
        Format.ACLED: acled,
        Format.AWSD: awsd,
        Format.KIKA: kika,
        Format.DAILY_CASUALTIES: daily_casualties,
        Format.COD_PCODES: cod.PCODES_LOADER,
        Format.COD_GEOJSON: cod_geojson.GEOJSON_LOADER,
        Format.REPORT: reports,
    }


def read_head(path: Path) -> Head:
    """Read the first bytes of a file and, where it is text, its first rows."""
    with path.open("rb") as fh:
        raw = fh.read(HEAD_BYTES)
    head = Head(path=path, raw=raw)
    if raw.startswith(b"PK\x03\x04"):
        head.is_xlsx = path.suffix.lower() in {".xlsx", ".xlsm"} or _zip_is_xlsx(path)
        return head
    try:
        text, _ = decode_bytes(raw, path.name)
    except LoadError as first:
        # A multi-byte character cut at HEAD_BYTES: try again a few bytes shorter.
        try:
            text, _ = decode_bytes(raw[:-4], path.name)
        except LoadError:
            head.decode_error = first
            return head
    head.text = text
    stripped = text.lstrip("\ufeff \r\n\t")
    if stripped[:1] in "[{":
        if len(raw) < HEAD_BYTES:
            with contextlib.suppress(json.JSONDecodeError):
                head.json_value = json.loads(stripped)
        return head
    lines = text.splitlines()[:12]
    head.rows, _ = split_rows("\n".join(lines))
    return head


def _zip_is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def detect_format(path: Path) -> Format:
    """The format of ``path``, or LoadError saying which formats are accepted."""
    head = read_head(path)
    scores = {fmt: loader.detect(head) for fmt, loader in _loaders().items()}
    best = max(scores, key=lambda f: scores[f])
    if scores[best] <= 0 and head.decode_error is not None:
        raise head.decode_error  # "not UTF-8 and no code page fits" says more than "not a format"
    if scores[best] <= 0:
        raise LoadError(
            path.name,
            "is not a format Access Monitor reads. Accepted: the convoy, besieged-population and "
            "civilian-toll table layouts (CSV or XLSX; download templates from the Import page), "
            "HXL-tagged CSV, ACLED exports, AWSD and Insecurity Insight incident files, daily "
            "casualty JSON, OCHA COD p-code CSV and GeoJSON. See the README, 'Accepted formats'.",
        )
    return best


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


ProgressCallback = Callable[[int, int], None]


def load_file(path: Path | str, fmt: Format | str | None = None, **options: Any) -> LoadResult:
    """Detect (unless given) and load one file. Options go to the loader (date_order, encoding ...),
    except ``max_bytes`` (size limit; default ``$ACCESS_MONITOR_MAX_UPLOAD_MB``, 0 = none)."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path.name, f"does not exist ({path}); check the path")
    if path.stat().st_size == 0:
        raise LoadError(path.name, "is empty (0 bytes); export the file again")
    # Size, zip-bomb, XML-entity, JSON-depth and binary checks run before any parser sees the file.
    check_upload(path, options.pop("max_bytes", None))
    chosen = Format(fmt) if fmt else detect_format(path)
    result = _loaders()[chosen].load(path, **options)
    # Counts no place could have (a population of 10 billion) and delivered convoys in the future
    # become rejected rows here, once, whatever the loader.
    reject_implausible(result)
    # Names and wordings longer than the store keeps (a 2 MB "place name") likewise.
    reject_oversized(result)
    result.check_accounting()
    return result
