"""ACLED event exports -> civilian tolls.

Reads the three column layouts ACLED has published (the <=2018 alphabetical API layout, the
pre-2023 layout and the 2023+ layout with ``civilian_targeting``; see ``vocab/acled.toml``). One
event row is one civilian toll when ACLED codes its victims as civilians; battles, protests and
other events are SKIPPED with a reason, because their fatalities include combatants.

A civilian event with 0 fatalities is SKIPPED too ("no fatalities reported"): ACLED gives no
injured count, so such an event (an abduction, a non-lethal attack) has no toll figure to keep.

``result.meta`` holds the export's scope (countries, first and last event date) so that the
writer can retract events that a re-export of the same scope no longer holds.

``stream`` reads the file in batches (a million-row export in constant memory; UTF-8 files are
decoded as they are read, other encodings whole); ``load`` gathers the same batches into one
LoadResult. The per-row rules are in loaders.acled_rows.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from loaders.acled_rows import RowReader, layout_of, vocab
from loaders.normalise.dates import AmbiguousDateOrder, DateOrder, infer_date_order
from loaders.normalise.text import decode_bytes, fold, sniff_delimiter
from loaders.records import LoadError, LoadResult
from loaders.registry import Format, Head
from loaders.stream import BATCH_ROWS, Batch, LoadStream, collect

_HEADER_SEARCH = 3  # a stray line such as "(Sample)" may precede the header
_CHUNK = 1 << 20


def _key(header: str) -> str:
    """'Event_ID_Cnty' -> 'event_id_cnty', with old column names renamed to current ones."""
    key = fold(header.lstrip("\ufeff")).replace(" ", "_")
    return vocab()["columns"].get(key, key)


def _find_header(rows: list[list[str]]) -> int | None:
    required = set(vocab()["required_columns"])
    for index, row in enumerate(rows[:_HEADER_SEARCH]):
        if required <= {_key(cell) for cell in row}:
            return index
    return None


def detect(head: Head) -> int:
    """90 when the header holds event_id_cnty, event_date, event_type and fatalities."""
    if head.text is None or head.json_value is not None:
        return 0
    return 90 if _find_header(head.rows) is not None else 0


def _utf8_sha256(path: Path) -> tuple[str, bool]:
    """The file's SHA-256 and whether it is valid UTF-8, in one pass of 1 MiB reads."""
    digest, decoder, valid = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), True
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    return digest.hexdigest(), valid


def _open_text(path: Path, declared: str | None, sha256: str | None = None) -> tuple[IO[str], str, str]:
    """(text stream, encoding, sha256). UTF-8 (with or without BOM) is decoded as it is read;
    a declared or legacy encoding, or UTF-16, goes through decode_bytes on the whole file.
    ``sha256`` given: the file was read before (db.pipeline's reader process) and found to be in
    the ``declared`` encoding, so it is not read whole again to check."""
    if sha256 and declared in ("utf-8", "utf-8-sig"):
        return path.open(encoding=declared, newline=""), declared, sha256
    sha, valid = _utf8_sha256(path)
    with path.open("rb") as fh:
        start = fh.read(4)
    other_bom = start.startswith((b"\xff\xfe", b"\xfe\xff"))
    utf16 = b"\x00" in start  # the heuristics of decode_bytes decide these
    if valid and not other_bom and not utf16 and (not declared or codecs.lookup(declared).name == "utf-8"):
        encoding = "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else (declared or "utf-8")
        return path.open(encoding=encoding, newline=""), encoding, sha
    text, used = decode_bytes(path.read_bytes(), path.name, declared)
    return io.StringIO(text, newline=""), used, sha


def _header(reader: Iterator[list[str]], file: str) -> tuple[list[str], list[list[str]], int]:
    """(current column names, the data rows read while looking, index of the first of them)."""
    first = list(islice(reader, _HEADER_SEARCH + 1))
    stripped = [[c.strip() for c in row] for row in first]
    header_at = _find_header(stripped)
    if header_at is None:
        raise LoadError(
            file,
            "has no ACLED header (event_id_cnty, event_date, event_type, fatalities); export the "
            "file again from ACLED with all columns, or import it as a table",
        )
    header = [_key(cell) for cell in stripped[header_at]]
    start = header_at + 1
    # HDX copies of ACLED exports carry an HXL hashtag row under the header: not data.
    if start < len(first) and sum(c.startswith("#") for c in stripped[start]) > len(header) // 2:
        start += 1
    return header, first, start


def _blank(cells: list[str]) -> bool:
    return not any(c and not c.isspace() for c in cells)


def _date_order(dates: list[str], file: str, declared: object) -> DateOrder:
    """The declared order, else the one the first batch's slash dates show (day-first by default)."""
    if declared:
        return DateOrder(str(declared))
    try:
        return infer_date_order(date.strip() for date in dates) or DateOrder.DMY
    except AmbiguousDateOrder:
        return DateOrder.DMY  # ACLED writes slash dates day-first
    except ValueError as exc:
        raise LoadError(file, str(exc), column="event_date") from None


def _check_order(reader: RowReader, file: str, declared: object) -> None:
    """After the last row: the whole file's slash dates must agree with the order used from the
    first batch on (what infer_date_order over every row would decide), else nothing is stored."""
    if declared:
        return
    if reader.first_big and reader.second_big:
        raise LoadError(
            file,
            "the file mixes day-first (DD/MM/YYYY) and month-first (MM/DD/YYYY) dates; "
            "fix the rows or save the dates as YYYY-MM-DD",
            column="event_date",
        )
    whole = DateOrder.MDY if reader.second_big and not reader.first_big else DateOrder.DMY
    if whole != reader.order:
        raise LoadError(
            file,
            f"dates further down the file are {whole.value}-ordered, unlike the first rows; import it again "
            f"with --date-order {whole.value} (or the 'Date order' choice on the Import page)",
            column="event_date",
        )


def stream(
    path: Path,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> LoadStream:
    """Open an ACLED export for a streamed import: the header is checked now, rows are read as
    the batches are consumed. Raises LoadError when the file has no ACLED header.
    ``columnar=False`` reads every row with the csv module (the fast path's reference)."""
    path = Path(path)
    fh, encoding, sha = _open_text(path, options.get("encoding"), options.get("sha256"))
    with fh:
        delimiter = sniff_delimiter("".join(islice(fh, 20)))
        fh.seek(0)
        header, _, start = _header(csv.reader(fh, delimiter=delimiter), path.name)
        # A file decoded whole stays in memory; a UTF-8 file is opened again when rows are read,
        # by pyarrow unless ``columnar=False`` (nothing stays open until then).
        text = fh.getvalue() if isinstance(fh, io.StringIO) else None
    result = LoadResult(file=path.name, format=Format.ACLED, sha256=sha, encoding=encoding, publisher="ACLED")
    fast = bool(options.get("columnar", True)) and text is None and _has_line_feeds(path)
    source = _Source(path, encoding, text, delimiter, start, fast)
    return LoadStream(
        result, _batches(source, header, result, batch_rows, progress, options.get("date_order"))
    )


def _has_line_feeds(path: Path) -> bool:
    """Records end with \n (or \r\n): what the columnar path cuts chunks at. Old Mac files end
    lines with \r alone; the csv module reads those."""
    with path.open("rb") as fh:
        return b"\n" in fh.read(1 << 16)


@dataclass(slots=True)
class _Source:
    path: Path
    encoding: str
    text: str | None  # the whole file, decoded, when it is not UTF-8
    delimiter: str
    start: int  # records before the first data row (a stray line, the header, an HXL row)
    columnar: bool  # pyarrow may read it

    def rows(self, skip: int) -> tuple[IO[str], Iterator[list[str]]]:
        """The open file and its data rows after the first ``skip``, read by the csv module."""
        fh = io.StringIO(self.text, newline="") if self.text is not None else self.path.open(
            encoding=self.encoding, newline=""
        )  # fmt: skip
        return fh, islice(csv.reader(fh, delimiter=self.delimiter), self.start + skip, None)


def _numbered(rows: Iterator[list[str]], start: int, size: int) -> Iterator[list[tuple[int, list[str]]]]:
    """Chunks of ``size`` (spreadsheet row number, cells), blank rows left out; the first data row is
    row ``start + 1`` (header row 1)."""
    chunk: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=start + 1):
        if not (cells and cells[0].strip()) and _blank(cells):
            continue
        chunk.append((number, cells))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _batches(
    source: _Source,
    header: list[str],
    result: LoadResult,
    batch_rows: int,
    progress: Callable[[int, int], None] | None,
    declared: object,
) -> Iterator[Batch]:
    reader = RowReader(result.file, header, layout_of(set(header)), DateOrder.DMY)
    size = source.path.stat().st_size
    row_bytes = 0
    done = 0  # data records read so far, blank ones included; -1 once pyarrow read them all

    def started(dates: list[str], sample_bytes: int, sample_rows: int) -> None:
        """The first batch decides the date order, and estimates the row count for progress."""
        nonlocal row_bytes
        reader.order = _date_order(dates, result.file, declared)
        row_bytes = max(1, sample_bytes // max(1, sample_rows))

    def counted(batch: Batch) -> Batch:
        result.rows_in += batch.rows
        if progress:
            progress(result.rows_in, max(result.rows_in + 1, size // row_bytes))
        return batch

    at_date = header.index("event_date")
    if source.columnar:
        # pyarrow and numpy (~50 MB) are loaded by the process that reads the rows, only.
        from loaders import acled_columns

        pending = Batch()
        try:
            for table in acled_columns.tables(source.path, len(header), source.start, source.delimiter):
                if not row_bytes:
                    started(table.column(at_date).to_pylist(), table.nbytes, table.num_rows)
                acled_columns.read_table(reader, source.start + 1 + done, table, pending)
                done += table.num_rows
                if pending.rows >= batch_rows:
                    yield counted(pending)
                    pending = Batch()
        except acled_columns.Irregular:
            irregular = True  # the row path carries on after the rows read
        else:
            irregular = False
        if pending.rows:
            yield counted(pending)
        if not irregular:
            done = -1
    if done >= 0:
        fh, rows = source.rows(done)
        with fh:
            for chunk in _numbered(rows, source.start + done, batch_rows):
                if not row_bytes:
                    sample = chunk[:1000]
                    started([cells[at_date] if at_date < len(cells) else "" for _, cells in chunk],
                            sum(len(c) + 1 for _, cells in sample for c in cells), len(sample))  # fmt: skip
                batch = Batch(rows=len(chunk))
                for number, cells in chunk:
                    reader.read(number, cells, batch.records, batch.issues)
                yield counted(batch)
    _check_order(reader, result.file, declared)
    if progress:
        progress(result.rows_in, result.rows_in)
    result.meta = {
        "dataset": "acled",
        "layout": reader.layout,
        "countries": sorted(reader.countries),
        "date_min": reader.date_min,
        "date_max": reader.date_max,
    }


def load(path: Path, **options: Any) -> LoadResult:
    """Load an ACLED export: one civilian toll per civilian event with fatalities."""
    return collect(stream(path, **options))
