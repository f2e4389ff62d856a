"""Streaming loads: a big file as batches of records and issues, in constant memory.

``load_file`` (loaders.registry) returns one LoadResult holding every record: right for the files
people upload, wrong for a million-row ACLED export. ``stream_file`` returns a :class:`LoadStream`
instead: the file's header (a LoadResult whose ``records`` stay empty) and an iterator of
:class:`Batch`. A loader that can stream offers ``stream(path, batch_rows=..., **options)``
returning a LoadStream; every other format is loaded whole and handed over as one batch, so the
writer has one input shape.

The rules of ``load_file`` hold batch by batch: the same size and safety checks first, implausible
counts rejected (loaders.safety), and each batch accounts for its rows
(``rows == len(records) + skipped + rejected``). ``result.rows_in`` and ``result.meta`` are complete
once the batches are exhausted; the writer reads them then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.limits import reject_oversized
from loaders.records import FactRecord, Issue, LoadError, LoadResult, Severity
from loaders.registry import Format, _loaders, detect_format, load_file
from loaders.safety import check_upload, reject_implausible

BATCH_ROWS = 20_000  # an ACLED batch holds ~2,000 tolls and ~18,000 skipped rows: a few MB


SkippedRow = tuple[int, str, str, str | None]  # (row, column, reason, value) of a SKIPPED issue


def skipped_issues(file: str, rows: list[SkippedRow], limit: int | None = None) -> list[Issue]:
    """Compact SKIPPED rows as Issues (the first ``limit`` of them)."""
    rows = rows if limit is None else rows[:limit]
    return [Issue(file, row, column, reason, Severity.SKIPPED, value) for row, column, reason, value in rows]


@dataclass(slots=True)
class Batch:
    """Consecutive data rows of one file: their records, their issues, how many rows they were.

    ``skipped`` holds SKIPPED rows compactly, as tuples, for loaders that skip most of a big file
    (an ACLED export skips ~900,000 rows in a million); ``skipped_issues`` turns them into Issues."""

    records: list[FactRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    def skipped_issues(self, file: str, limit: int | None = None) -> list[Issue]:
        return skipped_issues(file, self.skipped, limit)

    def check_accounting(self, file: str) -> None:
        row_issues = len(self.skipped) + sum(
            1
            for i in self.issues
            if i.row is not None and i.severity in (Severity.REJECTED, Severity.SKIPPED)
        )
        if len(self.records) + row_issues != self.rows:
            raise AssertionError(
                f"{file}: a batch of {self.rows} rows accounts for {len(self.records)} facts and "
                f"{row_issues} skipped or rejected rows"
            )


@dataclass(slots=True)
class Reopen:
    """How a stream was opened, so that another process can read the same file the same way."""

    path: Path
    fmt: str
    batch_rows: int
    options: dict[str, Any]


@dataclass(slots=True)
class LoadStream:
    """A file being read: ``result`` describes it (records empty), ``batches`` yields its rows.
    ``reopen`` is set for a loader that streams (the batches hold no open file until started)."""

    result: LoadResult
    batches: Iterator[Batch]
    reopen: Reopen | None = None
    progress: Callable[[int, int], None] | None = None  # the reading progress it reports


def from_result(result: LoadResult) -> LoadStream:
    """A whole LoadResult as a stream of one batch (records, places stay on ``result``)."""
    header = LoadResult(
        file=result.file, format=result.format, sha256=result.sha256, places=result.places,
        rows_in=result.rows_in, encoding=result.encoding, publisher=result.publisher,
        published=result.published, title=result.title, text=result.text, content_type=result.content_type,
        meta=result.meta,
    )  # fmt: skip
    rows = len(result.records) + result.skipped + result.rejected
    return LoadStream(header, iter([Batch(list(result.records), list(result.issues), rows)]))


def checked(stream: LoadStream) -> LoadStream:
    """The stream with load_file's per-record rules applied to each batch: implausible counts
    become rejected rows, and every batch must account for its rows."""
    result = stream.result

    def batches() -> Iterator[Batch]:
        for batch in stream.batches:
            holder = LoadResult(result.file, result.format, result.sha256, records=batch.records)
            holder.issues = batch.issues
            reject_implausible(holder)
            reject_oversized(holder)
            batch.records = holder.records
            batch.check_accounting(result.file)
            yield batch

    return LoadStream(result, batches())


def stream_file(
    path: Path | str,
    fmt: Format | str | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> LoadStream:
    """Detect (unless given) and open one file for a streamed import. Options as load_file's
    (``max_bytes``: 0 lifts the upload size limit, for files imported from the command line)."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path.name, f"does not exist ({path}); check the path")
    if path.stat().st_size == 0:
        raise LoadError(path.name, "is empty (0 bytes); export the file again")
    max_bytes = options.pop("max_bytes", None)
    check_upload(path, max_bytes)
    chosen = Format(fmt) if fmt else detect_format(path)
    loader = _loaders()[chosen]
    streamer = getattr(loader, "stream", None)
    if streamer is None:
        return from_result(load_file(path, chosen, max_bytes=max_bytes, progress=progress, **options))
    stream = checked(streamer(path, batch_rows=batch_rows, progress=progress, **options))
    # Read again elsewhere, the file need not be checked again: its digest and encoding are known.
    known = {"encoding": stream.result.encoding, "sha256": stream.result.sha256}
    stream.reopen = Reopen(path, str(chosen), batch_rows, {**options, **known, "max_bytes": max_bytes})
    stream.progress = progress
    return stream


def collect(stream: LoadStream) -> LoadResult:
    """Every batch gathered into one LoadResult (small files, tests): what ``load`` returns."""
    result = stream.result
    for batch in stream.batches:
        result.records.extend(batch.records)
        # Row order, as a loader reading one row at a time would have listed them.
        issues = batch.issues + batch.skipped_issues(result.file) if batch.skipped else batch.issues
        result.issues.extend(sorted(issues, key=_row_order) if batch.skipped else issues)
    return result


def _row_order(issue: Issue) -> int:
    return -1 if issue.row is None else issue.row
