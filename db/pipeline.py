"""Reading and preparing an import's batches beside the transaction that writes them.

The writer's transaction does the work that needs the store (places, organisations, inserts,
updates). Everything else (parsing the file, the loader's rules, fingerprints, content hashes and
the facts rows: db.rows.RowMaker) runs beside it:

- in a **worker process** for a big streamed file (``PROCESS_BYTES`` and up): the two run on two
  cores, and neither waits for the other's interpreter lock. The worker opens the file again the
  way the parent did (``LoadStream.reopen``) and sends prepared batches through a pipe; the pipe
  holds one batch, so memory stays bounded however big the file. Its progress, its end state
  (rows read, the export's scope) and any error (a LoadError names the file and row) come back
  the same way, and the parent raises the error inside its transaction, so nothing is stored;
- in a **thread** otherwise (small files, one batch: starting a process would cost more).

Either way the writer receives :class:`PreparedBatch` objects in file order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any, TypeVar

from db.rows import Prepared, RowMaker
from loaders.records import Issue
from loaders.stream import Batch, LoadStream, Reopen, SkippedRow, skipped_issues
from loaders.worker import send_error

T = TypeVar("T")
PROCESS_BYTES = 64 << 20  # files this big are read by a worker process
ROOT = Path(__file__).resolve().parents[1]


@dataclass(slots=True)
class PreparedBatch:
    """A loader's batch with its records prepared for the store (db.rows.Prepared)."""

    facts: list[Prepared] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    rows: int = 0

    def skipped_issues(self, file: str, limit: int | None = None) -> list[Issue]:
        return skipped_issues(file, self.skipped, limit)


def _prepared(batch: Batch, rows: RowMaker) -> PreparedBatch:
    return PreparedBatch(rows.prepare(batch.records), batch.issues, batch.skipped, batch.rows)


def prepared_batches(stream: LoadStream, maker: tuple[str, dt.datetime, bool]) -> Iterator[PreparedBatch]:
    """The stream's batches, prepared by RowMaker(*maker), in a worker process when the file is
    big, else in a reader thread."""
    reopen = stream.reopen
    if reopen is not None and reopen.path.stat().st_size >= PROCESS_BYTES:
        if isinstance(stream.batches, Generator):
            stream.batches.close()  # not started: it holds no open file
        return _from_process(stream, reopen, maker)
    rows = RowMaker(*maker)
    return prefetch(_prepared(batch, rows) for batch in stream.batches)


# ---- the worker process -----------------------------------------------------------------------------
# A plain ``python -m db.pipeline`` child, not multiprocessing's spawn: spawn runs the parent's
# main script again in the child, which breaks scripts without a ``__main__`` guard.


def _work(pipe: Connection, reopen: Reopen, maker: tuple[str, dt.datetime, bool]) -> None:
    """The worker process: open the file as the parent did, send prepared batches, then the end."""
    from loaders.stream import stream_file

    gc.disable()  # batches of small objects that hold no cycles: collection passes cost ~30 %
    try:

        def report(done: int, total: int) -> None:
            pipe.send(("progress", done, total))

        stream = stream_file(reopen.path, reopen.fmt, reopen.batch_rows, progress=report, **reopen.options)
        rows = RowMaker(*maker)
        for batch in stream.batches:
            pipe.send(("batch", _prepared(batch, rows)))
        pipe.send(("done", stream.result.rows_in, stream.result.meta))
    except BaseException as exc:  # sent to the parent, which raises it in its transaction
        send_error(pipe, exc)
    finally:
        pipe.close()


def _from_process(
    stream: LoadStream, reopen: Reopen, maker: tuple[str, dt.datetime, bool]
) -> Iterator[PreparedBatch]:
    read_fd, write_fd = os.pipe()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "db.pipeline", str(write_fd)], stdin=subprocess.PIPE, pass_fds=(write_fd,), env=env,
    )  # fmt: skip
    os.close(write_fd)
    receive = Connection(read_fd)
    try:
        assert worker.stdin is not None
        worker.stdin.write(pickle.dumps((reopen, maker)))
        worker.stdin.close()
        while True:
            try:
                message = receive.recv()
            except EOFError:
                raise RuntimeError(
                    f"{stream.result.file}: the import's reader process stopped (exit code {worker.wait()}); "
                    "nothing was stored. Import the file again; if it stops again, the machine may be "
                    "short of memory"
                ) from None
            kind = message[0]
            if kind == "batch":
                yield message[1]
            elif kind == "progress":
                if stream.progress:
                    stream.progress(message[1], message[2])
            elif kind == "error":
                raise message[1]
            else:  # "done": what the reader learnt by the end
                stream.result.rows_in, stream.result.meta = message[1], message[2]
                return
    finally:
        receive.close()
        if worker.poll() is None:
            worker.terminate()
        worker.wait()


def main(fd: int) -> None:
    reopen, maker = pickle.load(sys.stdin.buffer)
    _work(Connection(fd), reopen, maker)


# ---- the reader thread ----------------------------------------------------------------------------------

_DONE = object()


def prefetch(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """``items`` produced by a background thread, up to ``depth`` ahead. While this thread waits
    on SQLite (which releases the interpreter lock), the other parses the next batch. An exception
    in the producer is raised here; stopping early stops the producer."""
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put(item, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="import-reader", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(Empty):
                queue.get(timeout=0.1)
        worker.join()


if __name__ == "__main__":
    # Through the module's own name, so that what is sent pickles as db.pipeline.PreparedBatch.
    from db.pipeline import main as run

    run(int(sys.argv[1]))
