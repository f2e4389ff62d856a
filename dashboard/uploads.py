"""The Import page's upload: load, then store, the way `python -m cli ingest` does, with the
upload limit and the file types the registered loaders read."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from db.auth import Actor
from db.engine import database_url
from db.writer import ImportSummary

MAX_UPLOAD_ENV = "ACCESS_MONITOR_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50


def max_upload_mb() -> int:
    """The upload limit in MB: $ACCESS_MONITOR_MAX_UPLOAD_MB, default 50."""
    raw = os.environ.get(MAX_UPLOAD_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_MAX_UPLOAD_MB


# Extensions each loader format reads; a format added later that is not listed here makes the
# uploader accept any file (the registry still refuses what no loader claims).
_EXTENSIONS = {
    "table-csv": ["csv", "tsv", "txt"], "table-xlsx": ["xlsx", "xlsm"], "hxl": ["csv", "xlsx"],
    "acled": ["csv", "xlsx"], "awsd": ["csv", "xlsx"], "insecurity-insight-kika": ["json", "csv", "xlsx"],
    "daily-casualties-json": ["json"], "cod-pcodes": ["csv", "xlsx"], "cod-geojson": ["geojson", "json"],
}  # fmt: skip
_REPORT_EXTENSIONS = ["txt", "md", "html", "htm", "pdf", "docx"]


def upload_types() -> list[str] | None:
    """File extensions the Import page accepts, from the loader formats registered now."""
    from loaders.registry import Format

    types: set[str] = set()
    for fmt in Format:
        if fmt.value in _EXTENSIONS:
            types.update(_EXTENSIONS[fmt.value])
        elif "report" in fmt.value or "text" in fmt.value:
            types.update(_REPORT_EXTENSIONS)
        else:
            return None
    return sorted(types)


def reports_accepted() -> bool:
    """True once a report (prose) loader is registered: the Import page then asks for a publication date."""
    from loaders.registry import Format

    return any("report" in fmt.value or "text" in fmt.value for fmt in Format)


# (stage, done, total); stage is "reading" (the loader) or "storing" (the writer).
ImportProgress = Callable[[str, int, int], None]


@dataclass(slots=True)
class UploadOutcome:
    """One uploaded file: its summary, or why it was refused (nothing stored then)."""

    file: str
    summary: ImportSummary | None = None
    refused: str | None = None

    def rejects(self) -> pd.DataFrame:
        """The rejected rows: file, row, column, reason, value (for the CSV download)."""
        issues = self.summary.issues if self.summary else []
        rows = [
            {"file": i.file, "row": i.row, "column": i.column, "reason": i.reason, "value": i.value}
            for i in issues
            if i.severity == "rejected"
        ]
        return pd.DataFrame(rows, columns=["file", "row", "column", "reason", "value"])


def import_upload(
    name: str, data: bytes, options: dict[str, Any], actor: Actor, progress: ImportProgress | None = None
) -> UploadOutcome:
    """Load and store one uploaded file the way ``cli ingest`` does, as ``actor`` (checked first:
    db.auth.PermissionDenied for a viewer). The bytes are saved under their original name (the
    loader records it with the import) in a temporary folder deleted afterwards. ``options``:
    date_order, encoding, published (reports), retract_missing (ACLED); empty values are left out.
    Refuses files over ``max_upload_mb()`` before parsing them."""
    from db.auth import require
    from db.writer import write_import
    from loaders.records import LoadError
    from loaders.worker import load_isolated

    require(actor, "import")

    file = Path(name.replace("\\", "/")).name or "upload"
    limit = max_upload_mb()
    if len(data) > limit * 1024 * 1024:
        return UploadOutcome(
            file, refused=f"{file}: {len(data) / 1e6:.1f} MB is over the {limit} MB upload limit. Import it "
            f"with `python -m cli ingest {file}`, or ask an administrator to raise {MAX_UPLOAD_ENV}.",
        )  # fmt: skip
    chosen = {k: v for k, v in options.items() if v not in (None, "", False)}
    retract = bool(chosen.pop("retract_missing", False))

    def stage(step: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(step, done, total)) if progress else None

    with tempfile.TemporaryDirectory(prefix="access-monitor-upload-") as folder:
        path = Path(folder) / file
        path.write_bytes(data)
        try:
            # In a child process with a memory limit and a timeout (loaders.worker): a crafted file
            # costs that child, not the server every user shares; only a LoadResult comes back.
            result = load_isolated(path, progress=stage("reading"), **chosen)
        except LoadError as exc:
            return UploadOutcome(file, refused=str(exc))
        summary = write_import(
            result, actor=actor, url=database_url(), retract_missing=retract, progress=stage("storing")
        )
    return UploadOutcome(file, summary=summary)
