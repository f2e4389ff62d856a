"""A loader run in a child process with a memory limit and a wall-clock timeout.

Browser imports come from anyone with an editor account, and the server that parses them also
serves every other user. ``load_isolated`` runs ``loaders.registry.load_file`` (pure: file ->
LoadResult) in a plain ``python -m loaders.worker`` child whose address space is capped with
``RLIMIT_AS`` ($ACCESS_MONITOR_IMPORT_MEMORY_MB, default 2048) and which is killed after
$ACCESS_MONITOR_IMPORT_SECONDS (default 600). The result comes back pickled through a pipe and
the parent writes it (db.writer), so a child that runs out of memory, is killed or times out
leaves the store exactly as it was, and the page says what happened and what to do next.

A plain child, not multiprocessing's spawn, for the reason db.pipeline gives: spawn runs the
parent's main script again, and Streamlit's is not guarded.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from loaders.records import LoadError, LoadResult

MEMORY_ENV = "ACCESS_MONITOR_IMPORT_MEMORY_MB"
DEFAULT_MEMORY_MB = 2048  # a 50 MB workbook parses in well under 1 GB
SECONDS_ENV = "ACCESS_MONITOR_IMPORT_SECONDS"
DEFAULT_SECONDS = 600.0
ROOT = Path(__file__).resolve().parents[1]
CHUNK = 5_000  # records (or issues) per message from the child
Progress = Callable[[int, int], None]


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def memory_limit_mb() -> int:
    """The child's address-space limit in MB: $ACCESS_MONITOR_IMPORT_MEMORY_MB, default 2048."""
    return int(_env_number(MEMORY_ENV, DEFAULT_MEMORY_MB))


def time_limit_seconds() -> float:
    """The child's wall-clock limit: $ACCESS_MONITOR_IMPORT_SECONDS, default 600."""
    return _env_number(SECONDS_ENV, DEFAULT_SECONDS)


def load_isolated(
    path: Path,
    progress: Progress | None = None,
    *,
    memory_mb: int | None = None,
    seconds: float | None = None,
    **options: Any,
) -> LoadResult:
    """``load_file(path, **options)`` in a child process under the memory and time limits.
    Raises LoadError (naming the file, the limit and the next step) when the child fails."""
    path = Path(path)
    memory_mb = memory_mb or memory_limit_mb()
    seconds = seconds or time_limit_seconds()
    read_fd, write_fd = os.pipe()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DATABASE_URL", None)  # the loader needs no store: the child cannot reach it
    child = subprocess.Popen(
        [sys.executable, "-m", "loaders.worker", str(write_fd)], stdin=subprocess.PIPE, pass_fds=(write_fd,),
        env=env, start_new_session=True,
    )  # fmt: skip
    os.close(write_fd)
    receive = Connection(read_fd)
    try:
        assert child.stdin is not None
        child.stdin.write(pickle.dumps((str(path), options, memory_mb * 1024 * 1024, seconds)))
        child.stdin.close()
        return _receive(path.name, receive, child, progress, memory_mb, seconds)
    finally:
        receive.close()
        if child.poll() is None:
            child.kill()
        child.wait()


def _receive(
    file: str, receive: Connection, child: subprocess.Popen[bytes], progress: Progress | None, memory_mb: int,
    seconds: float,
) -> LoadResult:  # fmt: skip
    import time

    ends = time.monotonic() + seconds
    out_of_memory = LoadError(
        file, f"needed more than {memory_mb:,} MB of memory to read, the most one import may use; nothing "
        "was stored. Split the file into smaller files and import each, or ask an administrator to raise "
        f"{MEMORY_ENV}",
    )  # fmt: skip
    while True:
        if not receive.poll(max(0.0, ends - time.monotonic())):
            child.kill()
            raise LoadError(
                file, f"took more than {seconds:,.0f} seconds to read, the most one import may take; nothing "
                "was stored. Split the file into smaller files and import each, or import it with "
                f"`python -m cli ingest`; an administrator may raise {SECONDS_ENV}",
            )  # fmt: skip
        try:
            message = receive.recv()
        except (EOFError, OSError):
            code = child.wait()
            if code == -signal.SIGXCPU:
                raise LoadError(
                    file, f"used more than {seconds:,.0f} seconds of processor time to read, the most one import "
                    "may take; nothing was stored. Split the file into smaller files and import each",
                ) from None  # fmt: skip
            if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
                # The kernel's OOM killer, or an allocation that failed outside Python's reach.
                raise out_of_memory from None
            raise LoadError(
                file, f"could not be read: the import's reader process stopped (exit code {code}), most "
                f"likely because reading it needed more than {memory_mb:,} MB of memory; nothing was stored. "
                "Split the file into smaller files and import each, or report it to an administrator",
            ) from None  # fmt: skip
        kind = message[0]
        if kind == "progress":
            if progress is not None:
                progress(message[1], message[2])
        elif kind == "memory":
            raise out_of_memory
        elif kind == "error":
            raise message[1]
        elif kind == "head":
            result: LoadResult = message[1]
        elif kind == "records":
            result.records.extend(message[1])
        elif kind == "issues":
            result.issues.extend(message[1])
        else:  # "end"
            return result


# ---- the child ---------------------------------------------------------------------------------------


def _limit(kind: int, limit: int) -> None:
    import resource

    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(kind, (limit, hard))


def _work(pipe: Connection, path: str, options: dict[str, Any], memory: int, seconds: float) -> None:
    import resource

    from loaders.registry import load_file

    try:
        _limit(resource.RLIMIT_AS, memory)
        # CPU seconds too: the kernel ends the child even if the parent that would kill it is gone.
        _limit(resource.RLIMIT_CPU, int(seconds) + 5)

        def report(done: int, total: int) -> None:
            pipe.send(("progress", done, total))

        result = load_file(path, progress=report, **options)
        _send(pipe, result)
    except MemoryError:
        result = None  # free what the loader held before saying so
        pipe.send(("memory",))
    except BaseException as exc:  # sent to the parent, which raises it
        send_error(pipe, exc)
    finally:
        pipe.close()


def send_error(pipe: Connection, exc: BaseException) -> None:
    """Hand a child's exception to its parent; one that cannot be pickled goes as its text."""
    try:
        pipe.send(("error", exc))
    except Exception:
        pipe.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _send(pipe: Connection, result: LoadResult) -> None:
    """The result in parts: pickled whole, a million records would need their pickle and its memo
    beside them (twice the memory the load itself took)."""
    records, issues = result.records, result.issues
    result.records, result.issues = [], []
    pipe.send(("head", result))
    for start in range(0, len(records), CHUNK):
        pipe.send(("records", records[start : start + CHUNK]))
    for start in range(0, len(issues), CHUNK):
        pipe.send(("issues", issues[start : start + CHUNK]))
    pipe.send(("end",))


def main(fd: int) -> None:
    path, options, memory, seconds = pickle.load(sys.stdin.buffer)
    _work(Connection(fd), path, options, memory, seconds)


if __name__ == "__main__":
    from loaders.worker import main as run  # through the module's own name, as db.pipeline does

    run(int(sys.argv[1]))
