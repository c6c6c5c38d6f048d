"""Run many rongcuo command lines fast and safely, for the fuzz corpus (``tests/test_fuzz.py``).

Starting Python and importing rongcuo costs about a second, so one process per corpus entry would
take minutes. Instead a worker process (``python -m tests.fuzz_runner``) runs a chunk of entries
one after the other, each by calling ``rongcuo.cli.main`` in-process as the ``rongcuo`` script
does, in the entry's own working folder, with file descriptors 1 and 2 sent to a file so that
output written by C code (durable_rules) is caught too. It answers one JSON line per entry on a
descriptor of its own.

The parent (:func:`run_all`) keeps a watchdog on each entry: an entry that does not answer within
the timeout is a hang (the worker is killed), and a worker that dies (a segfault in durable's C
core, an abort) is a crash of the entry it was running. Either way a fresh worker takes the rest of
the chunk, so one bad entry never hides the others. Each worker runs under an address-space limit,
so an alias bomb that grows without bound fails in that worker instead of the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Address space one worker may use: far above what any entry needs when rongcuo caps its inputs,
#: low enough that two runaway workers cannot take the machine.
MEMORY_LIMIT = 3 * 1024**3


@dataclass(frozen=True)
class Job:
    """One command line to run: ``rongcuo <args>`` in the folder ``cwd``."""

    id: str
    args: list[str]
    cwd: str


@dataclass(frozen=True)
class Result:
    """What happened: the exit code (or None), the combined output, and how it ended.

    ``ended`` is ``exit`` (the command returned or called sys.exit), ``exception`` (an exception
    escaped ``main``: a traceback in a real process; ``output`` ends with it), ``crash`` (the
    worker died, ``signal`` names the signal or exit status) or ``hang`` (no answer in time).
    """

    id: str
    code: int | None
    output: str
    ended: str
    seconds: float
    signal: int | None = None


# ----------------------------------------------------------------------------- worker side


@contextlib.contextmanager
def _captured(path: str) -> Iterator[None]:
    """Send descriptors 1 and 2 (and sys.stdout/sys.stderr) to ``path`` for the duration."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(fd)
        os.close(saved[0])
        os.close(saved[1])


def _run_one(job: Job, capture: str) -> tuple[int | None, str, str]:
    from rongcuo.cli import main

    code: int | None = 0
    ended = "exit"
    tail = ""
    os.chdir(job.cwd)
    with _captured(capture):
        try:
            main.main(args=job.args, prog_name="rongcuo", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            code, ended, tail = None, "exception", traceback.format_exc()
    os.chdir(ROOT)
    with open(capture, encoding="utf-8", errors="replace") as f:
        output = f.read()
    return code, output + tail, ended


def worker() -> None:
    """Read jobs from stdin, one JSON line each; answer each on the descriptor given in argv."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    answer = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    capture = tempfile.mkstemp(prefix="rongcuo-fuzz-", suffix=".out")[1]
    try:
        for line in sys.stdin:
            job = Job(**json.loads(line))
            start = time.monotonic()
            code, output, ended = _run_one(job, capture)
            record = {
                "id": job.id,
                "code": code,
                "output": output,
                "ended": ended,
                "seconds": time.monotonic() - start,
            }
            answer.write(json.dumps(record, ensure_ascii=False) + "\n")
            answer.flush()
    finally:
        os.unlink(capture)


# ----------------------------------------------------------------------------- parent side


class _Worker:
    """One worker process and the pipe it answers on."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        env = {k: v for k, v in os.environ.items() if k != "RONGCUO_DEBUG"}
        # PYTHONPATH from outside comes first: it can point the workers at another rongcuo tree.
        path = [p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p]
        env.update(PYTHONUTF8="1", PYTHONIOENCODING="utf-8", PYTHONPATH=os.pathsep.join(path))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz_runner", str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_fd,),
            cwd=ROOT,
            env=env,
            start_new_session=True,  # a hang is killed with its whole group
        )
        os.close(write_fd)
        self.answers = os.fdopen(read_fd, "r", encoding="utf-8")
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.answers, selectors.EVENT_READ)

    def send(self, job: Job) -> None:
        assert self.proc.stdin is not None
        line = json.dumps({"id": job.id, "args": job.args, "cwd": job.cwd}) + "\n"
        self.proc.stdin.write(line.encode("utf-8"))
        self.proc.stdin.flush()

    def receive(self, timeout: float) -> str | None:
        """One answer line; None on timeout; "" when the worker died."""
        if not self.selector.select(timeout):
            return None
        return self.answers.readline()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.close()

    def close(self) -> None:
        self.selector.close()
        self.answers.close()
        if self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=30)
        if self.proc.poll() is None:
            self.kill()


def _run_chunk(jobs: Sequence[Job], timeout: float, results: dict[str, Result]) -> None:
    todo = list(jobs)
    while todo:
        w = _Worker()
        try:
            while todo:
                job = todo[0]
                start = time.monotonic()
                w.send(job)
                line = w.receive(timeout)
                took = time.monotonic() - start
                if line is None:
                    results[job.id] = Result(job.id, None, "", "hang", took)
                    todo.pop(0)
                    w.kill()
                    break
                if not line:
                    status = w.proc.wait()
                    results[job.id] = Result(job.id, status, "", "crash", took, signal=-status)
                    todo.pop(0)
                    w.close()
                    break
                data = json.loads(line)
                results[job.id] = Result(
                    job.id, data["code"], data["output"], data["ended"], data["seconds"]
                )
                todo.pop(0)
            else:
                w.close()
        except BaseException:
            w.kill()
            raise


def run_all(
    jobs: Sequence[Job], *, timeout: float, workers: int = 2, chunk: int = 40
) -> dict[str, Result]:
    """Run every job; ``workers`` chunks at a time, each chunk in its own worker process."""
    chunks = [list(jobs[i : i + chunk]) for i in range(0, len(jobs), chunk)]
    results: dict[str, Result] = {}
    lock = threading.Lock()

    def take() -> list[Job] | None:
        with lock:
            return chunks.pop(0) if chunks else None

    def loop() -> None:
        while (part := take()) is not None:
            _run_chunk(part, timeout, results)

    threads = [threading.Thread(target=loop) for _ in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


if __name__ == "__main__":
    worker()
