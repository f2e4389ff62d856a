"""Checks that run before a file is parsed, and plausibility bounds for counts.

An import server takes files from anyone with an account, so a file is looked at before any parser
sees it: its size (``ACCESS_MONITOR_MAX_UPLOAD_MB``, default 50), and by what its first bytes say:

- zip containers (XLSX, DOCX): number of members, total unpacked size, compression ratio, sizes
  that contradict each other, encryption, and a DTD in any XML member (OOXML never has one, and a
  DTD is how billion-laughs and external-entity attacks start). All of it comes from the zip
  directory and the first bytes of each member, so a zip bomb is refused in milliseconds. Python's
  ``zipfile`` never unpacks more than a member's declared size, so the declared sizes bound what a
  parser can be made to read. openpyxl and the DOCX reader also parse with defusedxml;
- JSON: nesting deeper than any real export (Python's parser would fail with RecursionError);
- everything else that should be text: known binary signatures (an .xls, an image, an archive
  renamed .csv) and NUL bytes, which no CSV, JSON or text report holds.

``check_quantity`` / ``reject_implausible`` refuse, row by row, counts no source could report (a
population of ten billion) and events dated in the future; loaders or the registry call them after
parsing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import zipfile
import zlib
from pathlib import Path

from loaders.records import (
    DateValue,
    FactKind,
    FactRecord,
    LoadError,
    LoadResult,
    Outcome,
    Quantity,
    Severity,
)

MAX_UPLOAD_ENV = "ACCESS_MONITOR_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50
MB = 1024 * 1024
MAX_MEMBERS = 10_000  # a workbook with 200 sheets holds about 600 members
MAX_UNCOMPRESSED = 1024 * MB  # XLSX unpacks 5-20 times: a 50 MB workbook is 250-1000 MB of XML
MAX_RATIO = 100  # spreadsheet XML deflates 5-20:1; a zip bomb 300-1000:1
RATIO_FLOOR = MB  # small members (an empty styles.xml) may compress as they like
PROLOG_LIMIT = 64 * 1024  # bytes of an XML member read to find its root element
MAX_JSON_DEPTH = 100  # GeoJSON multipolygons nest 8 deep; Python's parser gives up near 1000
_READ_CHUNK = 4 * MB
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_JSON_ESCAPE = re.compile(rb"\\.", re.S)
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_JSON_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
# First bytes of files that are never CSV, JSON or a text report, and what to do instead.
_BINARY_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel 97-2003 (.xls) or Word (.doc) file; save it as .xlsx or .docx"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image, not a data file"),
    (b"\xff\xd8\xff", "a JPEG image, not a data file"),
    (b"GIF8", "a GIF image, not a data file"),
    (b"\x1f\x8b", "a gzip archive; unpack it and import the file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; unpack it and import the file inside"),
    (b"Rar!", "a RAR archive; unpack it and import the file inside"),
    (b"\x7fELF", "a program, not a data file"),
    (b"MZ\x90\x00", "a Windows program, not a data file"),
]  # fmt: skip

# The largest figure one row may give; above it the row is refused as a typo or a wrong column.
COUNT_LIMITS: dict[str, int] = {
    "trucks": 50_000,  # a month of trucks into Gaza at its highest was under 20,000
    "people_served": 50_000_000,  # WFP's largest country operation reaches about 15 million
    "population": 50_000_000,  # besieged and hard-to-reach populations have never passed 15 million
    "killed": 2_000_000,  # cumulative tolls of the deadliest recent wars stay well below
    "injured": 5_000_000,
}
_FUTURE_OUTCOMES = {Outcome.PLANNED, Outcome.POSTPONED}


# --------------------------------------------------------------------------- size


def max_upload_bytes(max_bytes: int | None = None) -> int | None:
    """The size limit in bytes: ``max_bytes`` when given (0 or less: no limit), else
    ``$ACCESS_MONITOR_MAX_UPLOAD_MB`` (a positive number of MB), else 50 MB."""
    if max_bytes is not None:
        return max_bytes if max_bytes > 0 else None
    raw = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int((mb if mb > 0 else DEFAULT_MAX_UPLOAD_MB) * MB)


def _mb(size: int) -> str:
    """'50 MB', '100.4 MB', '977 KB' (small limits are set in tests and on test servers)."""
    if size < MB // 10:
        return f"{size / 1024:,.0f} KB"
    return f"{size / MB:,.1f}".removesuffix(".0") + " MB"


def check_size(path: Path, max_bytes: int | None = None) -> None:
    """Refuse ``path`` when it is larger than the limit (see ``max_upload_bytes``)."""
    limit = max_upload_bytes(max_bytes)
    size = path.stat().st_size
    if limit is not None and size > limit:
        raise LoadError(
            path.name,
            f"is {_mb(size)}, over the {_mb(limit)} limit for one file; split it (by year or "
            f"country) into smaller files, or ask an administrator to raise {MAX_UPLOAD_ENV}",
        )


# --------------------------------------------------------------------------- zip containers


def check_zip(
    path: Path,
    *,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    max_ratio: float = MAX_RATIO,
    max_members: int = MAX_MEMBERS,
) -> None:
    """Refuse a zip container (XLSX, DOCX) that would unpack to too much, or holds a DTD."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_directory(path.name, infos, max_uncompressed, max_ratio, max_members)
            for info in infos:
                if info.filename.lower().endswith(_XML_SUFFIXES):
                    _check_prolog(path.name, info.filename, _prolog(zf, info))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise LoadError(
            path.name, f"is damaged or cut short ({exc}); save or download it again, then import the new copy"
        ) from None


def _check_directory(
    file: str, infos: list[zipfile.ZipInfo], max_uncompressed: int, max_ratio: float, max_members: int
) -> None:
    if len(infos) > max_members:
        raise LoadError(
            file, f"holds {len(infos):,} parts, more than the {max_members:,} a workbook or document may have"
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise LoadError(file, f"is password-protected ({info.filename}); save a copy without a password")
        # Deflate never grows data by more than a few bytes per 16 KB: a member whose packed size
        # is larger than its unpacked size was crafted to hide its real size.
        if info.compress_size > info.file_size + info.file_size // 100 + 1024:
            raise LoadError(
                file, f"has a part ({info.filename}) whose sizes contradict each other; the file is "
                "damaged or crafted: save it again from Excel or Word",
            )  # fmt: skip
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > max_ratio:
            raise LoadError(
                file, f"has a part ({info.filename}) compressed {ratio:,.0f}:1 that would unpack to "
                f"{_mb(info.file_size)}; real workbooks compress less than {max_ratio:,.0f}:1, so it is "
                "refused as a zip bomb",
            )  # fmt: skip
        total += info.file_size
    if total > max_uncompressed:
        raise LoadError(
            file, f"would unpack to {_mb(total)}, over the {_mb(max_uncompressed)} limit; split it into "
            "smaller workbooks",
        )  # fmt: skip


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of an XML member up to its root element (at most PROLOG_LIMIT), NULs removed so a
    UTF-16 member reads like ASCII markup."""
    seen = b""
    with zf.open(info) as member:
        while len(seen) < PROLOG_LIMIT:
            chunk = member.read(4096)
            if not chunk:
                break
            seen += chunk.replace(b"\x00", b"")
            if _ROOT_START.search(seen):
                break
    return seen


def _check_prolog(file: str, member: str, prolog: bytes) -> None:
    root = _ROOT_START.search(prolog)
    before_root = prolog[: root.start()] if root else prolog
    if _DTD.search(before_root):
        raise LoadError(
            file, f"has a document type declaration in {member}; Excel and Word never write one, and it "
            "is how XML entity attacks (billion laughs, external entities) start, so the file is refused. "
            "Save it again from Excel or Word",
        )  # fmt: skip
    if root is None and len(prolog) >= PROLOG_LIMIT:
        raise LoadError(
            file,
            f"has {member} with no XML element in its first {PROLOG_LIMIT // 1024} KB; the file is damaged or crafted",
        )


# --------------------------------------------------------------------------- text and JSON


def _looks_utf16(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:4000]
    return len(sample) >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) > 0.2 * len(sample)


def check_binary(path: Path) -> None:
    """Refuse a file that cannot be a CSV, JSON or text report: a known binary type or NUL bytes."""
    with path.open("rb") as fh:
        head = fh.read(_READ_CHUNK)
        for signature, what in _BINARY_SIGNATURES:
            if head.startswith(signature):
                raise LoadError(path.name, f"is {what}")
        if _looks_utf16(head):
            return
        offset, lines, chunk = 0, 0, head
        while chunk:
            nul = chunk.find(b"\x00")
            if nul >= 0:
                line = lines + chunk.count(b"\n", 0, nul) + 1
                raise LoadError(
                    path.name, f"holds a NUL byte (byte {offset + nul:,}, line {line:,}): it is a binary "
                    "file or damaged text, not CSV, JSON or a text report. Export it again as CSV (UTF-8)",
                )  # fmt: skip
            offset, lines = offset + len(chunk), lines + chunk.count(b"\n")
            chunk = fh.read(_READ_CHUNK)


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in JSON ``data`` (UTF-8 or a legacy code page; strings ignored)."""
    bare = _JSON_ESCAPE.sub(b"", data).translate(None, _NOT_JSON_STRUCTURE)
    brackets = _JSON_STRING.sub(b"", bare)
    steps = (1 if b in b"[{" else -1 for b in brackets if b != 0x22)
    return max(itertools.accumulate(steps, initial=0))


def check_json(file: str, data: bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``max_depth`` (a JSON bomb: the parser would overflow)."""
    if _looks_utf16(data):
        data = data.decode("utf-16", errors="ignore").encode("utf-8")
    depth = json_depth(data)
    if depth > max_depth:
        raise LoadError(
            file, f"nests arrays or objects {depth:,} levels deep; real exports nest fewer than "
            f"{max_depth}, so the file is refused. Export it again from its source",
        )  # fmt: skip


def mixed_encoding(data: bytes) -> str | None:
    """When ``data`` has both lines that are UTF-8 with non-ASCII letters and lines that are not
    UTF-8 (rows pasted together from two files), a reason saying which; else None. Decoding such a
    file with one legacy code page would turn its UTF-8 rows into mojibake without a word."""
    utf8_line = other_line = None
    for number, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            other_line = other_line or number
        if utf8_line and other_line:
            return (
                f"mixes UTF-8 (line {utf8_line}) with another encoding (line {other_line}): rows were "
                "pasted together from files saved differently. Save the whole file as UTF-8 (CSV UTF-8 "
                "in Excel) and import it again"
            )
    return None


def _starts_json(data: bytes) -> bool:
    start = data[:64].removeprefix(b"\xef\xbb\xbf").replace(b"\x00", b"").lstrip(b"\xff\xfe \t\r\n")
    return start[:1] in (b"[", b"{")


def check_upload(path: Path, max_bytes: int | None = None) -> None:
    """Every check that runs before a file is detected or parsed. Raises LoadError naming the
    problem and the next step; returns quietly for a file that may be parsed."""
    check_size(path, max_bytes)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        check_zip(path)
        return
    if head.startswith(b"%PDF"):
        return  # binary by nature; pypdf reads it and its errors become LoadError
    check_binary(path)
    with path.open("rb") as fh:
        start = fh.read(64)
    if _starts_json(start):
        check_json(path.name, path.read_bytes())  # JSON loaders read the whole file too


# --------------------------------------------------------------------------- plausible counts


def _limit_message(name: str, number: int, limit: int) -> str:
    label = name.replace("_", " ")
    return (
        f"{label} {number:,} is above {limit:,}, the most Access Monitor accepts in one row; "
        "check for extra digits or a figure from another column"
    )


def check_quantity(name: str, quantity: Quantity) -> Quantity:
    """``quantity`` unchanged, or ValueError (a message for the user) when a figure is above
    ``COUNT_LIMITS[name]``. Quantities without a limit pass."""
    limit = COUNT_LIMITS.get(name)
    if limit is None:
        return quantity
    for number in (quantity.value, quantity.low, quantity.high):
        if number is not None and number > limit:
            raise ValueError(_limit_message(name, number, limit))
    return quantity


def _future_reason(record: FactRecord, today: dt.date) -> tuple[str, str] | None:
    """A fact that says something already happened cannot be dated after tomorrow (time zones)."""
    if record.kind == FactKind.CONVOY and record.outcome in _FUTURE_OUTCOMES:
        return None  # a planned or postponed convoy may well be dated next week
    # Tolls name their period's end; convoys and observations their date (period_end mirrors it).
    name = "period_end" if record.kind == FactKind.TOLL else "date"
    value = record.period_end if name == "period_end" else record.date.value
    if value is None or value <= today + dt.timedelta(days=1):
        return None
    what = "a planned or postponed convoy" if record.kind == FactKind.CONVOY else "no report"
    return (
        name,
        f"{value.isoformat()} is in the future (today is {today.isoformat()}); {what} may be dated ahead: check the year",
    )


def implausible(record: FactRecord, today: dt.date | None = None) -> list[tuple[str, str]]:
    """(field, reason) for every count of ``record`` above its limit and a date in the future."""
    found = []
    for name in COUNT_LIMITS:
        try:
            check_quantity(name, getattr(record, name))
        except ValueError as exc:
            found.append((name, str(exc)))
    future = _future_reason(record, today or dt.date.today())
    if future:
        found.append(future)
    return found


def _value_text(record: FactRecord, name: str) -> str | None:
    value = getattr(record, name)
    if isinstance(value, Quantity | DateValue):
        return value.text or (str(value.value) if isinstance(value, DateValue) and value.value else None)
    return None if value is None else str(value)


def reject_implausible(result: LoadResult, today: dt.date | None = None) -> int:
    """Turn each record with an implausible count or a future date into a REJECTED issue for its
    row, so the accounting rule still holds; facts read from prose (no row) stay, with a WARNING
    for their reviewer. Returns the number of records rejected."""
    kept: list[FactRecord] = []
    rejected = 0
    for record in result.records:
        problems = implausible(record, today)
        if not problems:
            kept.append(record)
            continue
        name, reason = problems[0]
        text = _value_text(record, name)
        if record.provenance.row is None:
            result.add_issue(None, name, reason, severity=Severity.WARNING, value=text)
            kept.append(record)
        else:
            result.add_issue(record.provenance.row, name, reason, value=text)
            rejected += 1
    result.records = kept
    return rejected
