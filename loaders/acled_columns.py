"""ACLED rows read a column at a time: the fast path of loaders.acled for regular UTF-8 exports.

A million-row export is ~90 % battles, protests and other events that are skipped. Read row by
row with the ``csv`` module, parsing alone takes ~4 s and the per-row rules another ~9 s. Here
pyarrow parses the file (in C, off the interpreter lock), and the rules of
:meth:`RowReader.read` run once per *distinct* value of each column they look at (dates, fatality
counts, event types, countries); numpy spreads the answers back over the rows. Only the rows kept
as tolls (~10 %) and the rare rejected ones are handled one by one, through the same RowReader
methods as the row path, so both paths give the same records and issues (tests/loaders check this).

Skipped rows are returned compactly (``Batch.skipped``): one tuple per row instead of an Issue
object, because a million-row export skips ~900,000 of them.

pyarrow requires every row to have as many cells as the header. A file that breaks that (a short
or long row, a blank line) raises :class:`Irregular` at the block holding it; loaders.acled then
carries on from the first row not yet returned with the row path, so nothing is lost or repeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from loaders.acled_rows import _EMPTY_DATE, _NO_FATALITIES, RowReader
from loaders.records import DateValue, Issue, Quantity
from loaders.stream import Batch

CHUNK_BYTES = 2 << 20  # ~8,000 rows parsed at a time: ~60 MB of memory in all, where a 10,000-row batch
# re-cut from pyarrow's own streaming reader held ~150 MB (it reads dozens of blocks ahead)


class Irregular(Exception):
    """The file has a row pyarrow cannot read as a table row (the chunk holding it was not returned)."""


def tables(
    path: Path, width: int, skip: int, delimiter: str, chunk_bytes: int | None = None
) -> Iterator[pa.Table]:
    """The data rows after the first ``skip`` records, as tables of string columns named c0, c1, ...,
    one per ~``chunk_bytes`` of the file (cut at the end of a record). Raises Irregular when a
    row has another number of cells than ``width``."""
    names = [f"c{i}" for i in range(width)]
    parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False)
    convert = pcsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    done, chunk_bytes = 0, chunk_bytes or CHUNK_BYTES
    with path.open("rb") as fh:
        _skip_records(fh, skip)
        rest = b""
        while True:
            data = fh.read(chunk_bytes)
            text = rest + data if rest else data
            cut = _records_end(text) if data else len(text)
            if not text:
                return
            if cut == 0:  # no record ends in this chunk yet: read on (a very long record is irregular)
                if len(text) > 16 * chunk_bytes:
                    raise Irregular(f"no record ends within {len(text):,} bytes after data row {done}")
                rest = text
                continue
            options = pcsv.ReadOptions(column_names=names, use_threads=False, block_size=cut + 1)
            try:
                table = pcsv.read_csv(pa.py_buffer(memoryview(text)[:cut]), read_options=options,
                                      parse_options=parse, convert_options=convert)  # fmt: skip
            except pa.ArrowInvalid:
                raise Irregular(f"a row after data row {done} has another number of cells") from None
            rest = text[cut:]
            yield table.combine_chunks()
            done += table.num_rows
            del table
            pa.default_memory_pool().release_unused()  # else the pool keeps every chunk's pages
            if not data:
                return


def _skip_records(fh: BinaryIO, count: int) -> None:
    """Read past ``count`` records (a quoted value may hold line breaks: its quotes are odd)."""
    for _ in range(count):
        line = fh.readline()
        while line.count(b'"') % 2 and (more := fh.readline()):
            line += more


def _records_end(data: bytes) -> int:
    """Where the last complete record of ``data`` ends (after its line break), 0 when none does:
    a line break inside a quoted value is preceded by an odd number of quotes."""
    cut = data.rfind(b"\n")
    while cut >= 0 and data.count(b'"', 0, cut) % 2:
        cut = data.rfind(b"\n", 0, cut)
    return cut + 1


def _codes(table: pa.Table, index: int) -> tuple[np.ndarray, list[str]]:
    """(per-row code, distinct values) of column ``index``; a missing column (-1) is all empty."""
    if index < 0:
        return np.zeros(table.num_rows, dtype=np.int64), [""]
    encoded = pc.dictionary_encode(table.column(index)).chunk(0)
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


def _distinct(columns: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """(per-row index into the combinations, the distinct combinations of raw cells)."""
    key = np.zeros(len(columns[0][0]), dtype=np.int64)
    for codes, values in columns:
        key = key * len(values) + codes
    found, inverse = np.unique(key, return_inverse=True)
    parts = []
    for _, values in reversed(columns):
        found, at = np.divmod(found, len(values))
        parts.append([values[i] for i in at.tolist()])
    return inverse.reshape(-1), list(zip(*reversed(parts), strict=True))


def read_table(reader: RowReader, first: int, table: pa.Table, batch: Batch) -> None:
    """Add the rows of ``table`` (the first is spreadsheet row ``first``) to ``batch`` (which may
    hold earlier rows already), as
    RowReader.read would one by one: a record, or one REJECTED or SKIPPED entry, per row."""
    n = table.num_rows
    i_id, i_date, i_prec, i_fat, i_type, i_target, i_inter2, i_interaction, i_iso3, i_iso, i_country = (
        reader._cols
    )
    numbers = np.arange(first, first + n)
    ids = pc.utf8_trim_whitespace(table.column(i_id)) if i_id >= 0 else pa.array([""] * n)
    no_id = pc.equal(ids, "").to_numpy(zero_copy_only=False)
    blank = _blank_rows(table, no_id)
    # Dates are parsed for every row, as on the row path (slash dates are evidence of the order).
    date_at, date_combos = _distinct([_codes(table, i_date), _codes(table, i_prec)])
    known = reader._dates  # the cache _date fills: most dates were seen in earlier chunks
    dates = [known.get((raw, prec)) or reader._date(raw, prec) for raw, prec in date_combos]
    date_bad = np.array([isinstance(d, str) for d in dates])[date_at]
    valid = ~no_id & ~date_bad & ~blank
    _scope(reader, dates, date_at, valid)
    country_at, country_combos = _distinct(
        [_codes(table, i_iso3), _codes(table, i_iso), _codes(table, i_country)]
    )
    countries = [reader._country_of(*combo) for combo in country_combos]
    for at in np.unique(country_at[valid]).tolist():
        if countries[at]:
            reader.countries.add(countries[at])
    fat_at, fat_values = _codes(table, i_fat)
    killed = [reader._fatalities(raw) for raw in fat_values]
    fat_bad = np.array([isinstance(k, str) for k in killed])[fat_at]
    zero = np.array([not isinstance(k, str) and not k.value for k in killed])[fat_at]
    kind_at, kind_combos = _distinct(
        [
            _codes(table, i_type),
            _codes(table, i_target),
            _codes(table, i_inter2),
            _codes(table, i_interaction),
        ]
    )
    kinds = [reader._skip_reason(*combo) for combo in kind_combos]
    reasons = [reason for reason, _ in kinds] + [_NO_FATALITIES]
    reason_at = np.array([-1 if r is None else i for i, (r, _) in enumerate(kinds)])[kind_at]
    candidate = valid & ~fat_bad
    reason_at = np.where((reason_at < 0) & zero, len(kinds), reason_at)
    skipped = candidate & (reason_at >= 0)
    kept = candidate & (reason_at < 0)

    # Rejected rows, in row order (rare: ids, dates and counts ACLED itself wrote wrong).
    for at in np.flatnonzero((no_id & ~blank) | (~no_id & date_bad) | (valid & fat_bad)).tolist():
        batch.issues.append(_rejection(reader, int(numbers[at]), table, at, bool(no_id[at]), dates[date_at[at]],
                                       killed[fat_at[at]]))  # fmt: skip
    types = [kind for _, kind in kinds]  # the value shown with the reason: the stripped event type
    batch.skipped.extend(
        zip(numbers[skipped].tolist(), repeat("event_type"), [reasons[r] for r in reason_at[skipped].tolist()],
            [types[k] for k in kind_at[skipped].tolist()])
    )  # fmt: skip
    _keep(
        reader,
        table,
        numbers,
        np.flatnonzero(kept),
        dates,
        date_at,
        killed,
        fat_at,
        countries,
        country_at,
        batch,
    )
    batch.rows += n - int(blank.sum())


def _blank_rows(table: pa.Table, no_id: np.ndarray) -> np.ndarray:
    """Rows whose cells are all blank (left out and not counted, as on the row path). Only rows
    without an event id can be blank, so only those are looked at."""
    blank = np.zeros(table.num_rows, dtype=bool)
    for at in np.flatnonzero(no_id).tolist():
        blank[at] = all(not cell or cell.isspace() for cell in _cells(table, at))
    return blank


def _cells(table: pa.Table, at: int) -> list[str]:
    return [column[at].as_py() for column in table.columns]


def _scope(reader: RowReader, dates: list[DateValue | str], date_at: np.ndarray, valid: np.ndarray) -> None:
    """The first and last event date of the rows with an id and a good date."""
    for at in np.unique(date_at[valid]).tolist():
        day = dates[at].value  # type: ignore[union-attr]
        if reader.date_min is None or day < reader.date_min:
            reader.date_min = day
        if reader.date_max is None or day > reader.date_max:
            reader.date_max = day


def _rejection(
    reader: RowReader, number: int, table: pa.Table, at: int, no_id: bool, date: DateValue | str,
    killed: Quantity | str,
) -> Issue:  # fmt: skip
    cells = [*_cells(table, at), ""]  # padded as on the row path: a missing column (-1) reads ""
    if no_id:
        return reader._issue(number, "event_id_cnty", "no event_id_cnty; export the file again from ACLED")
    if isinstance(date, str):
        return reader._issue(
            number, "event_date", date, None if date == _EMPTY_DATE else cells[reader._cols[1]].strip()
        )
    return reader._issue(number, "fatalities", str(killed), cells[reader._cols[3]].strip())


def _keep(
    reader: RowReader, table: pa.Table, numbers: np.ndarray, kept: np.ndarray, dates: list, date_at: np.ndarray,
    killed: list, fat_at: np.ndarray, countries: list, country_at: np.ndarray, batch: Batch,
) -> None:  # fmt: skip
    """Records for the kept rows; an id seen on an earlier kept row rejects the row instead."""
    if not len(kept):
        return
    index = pa.array(kept)
    columns = [column.take(index).to_pylist() for column in table.columns]
    at_id = reader._cols[0]
    for j, (at, cells) in enumerate(zip(kept.tolist(), zip(*columns, strict=True), strict=True)):
        number = int(numbers[at])
        event_id = columns[at_id][j].strip()
        first = reader.seen.setdefault(event_id, number)
        if first != number:
            batch.issues.append(
                reader._issue(number, "event_id_cnty", f"event {event_id} repeats row {first}", event_id)
            )
            continue
        row = [*cells, ""]
        batch.records.append(
            reader._record(number, row, dates[date_at[at]], killed[fat_at[at]], countries[country_at[at]],
                           batch.issues)
        )  # fmt: skip
