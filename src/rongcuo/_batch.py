"""Batch evaluation: a folder or a JSON Lines stream of cases, decided by N worker processes
into one JSON Lines output, each case exactly once across crashes and re-runs.

::

    input ─► Item(key, bytes) ─► CaseRunner (one Engine a process) ─► Result(key, line) ─► ResultLog
    folder: key = relative path     parse, evaluate, serialise one       parent only: O_APPEND,
    JSONL:  key = line:<n>          record (or an error record)          one write a line, fsync

Only the parent process writes. On start :class:`ResultLog` reads the output already there,
collects the keys done (they are skipped) and cuts off a torn last line — a crash in the middle
of a write — so that its case runs again. Workers are a ``ProcessPoolExecutor`` (spawn; the
initializer builds the Engine once) fed a bounded window of chunks, so memory stays flat however
long the input; a worker that dies fails the run instead of hanging it. ``_batch_dask`` runs the
same :class:`CaseRunner` on a Dask cluster and feeds the same :func:`drive`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import importlib.util
import json
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict
from tqdm import tqdm

from ._api import Backend, CaseInput, Engine
from ._case import Case, CaseSource, parse_case
from ._decision import Decision
from ._errors import (
    CaseError,
    Diagnostic,
    EngineError,
    InputError,
    Location,
    RongcuoError,
    RulesetError,
    RulesetNotFound,
)
from ._registry import Library
from ._yaml import Positions, load_text

OutputFormat = Literal["full", "summary"]
Cases = str | Path | Iterable[tuple[str, CaseInput]]
CASE_SUFFIXES = (".yaml", ".yml", ".json")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SYNC_EVERY = 100  # records between fsyncs: a power cut loses at most these, and they re-run
_COMPACT = (",", ":")
# How every record starts; lines before the last are only read this far.
_HEAD = re.compile(
    rb'\{\s*"key"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*'
    rb'(?:"case_id"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"outcome"\s*:\s*"(\w+)"|"error"\s*:)'
)


class BatchSummary(BaseModel):
    """What a batch run did. ``done`` cases were decided (or failed) in this run, ``skipped``
    were already in the output (``total`` = both). ``errors`` and ``by_outcome`` describe the
    whole output for the cases of this input, earlier runs included."""

    model_config = ConfigDict(frozen=True)

    total: int
    done: int
    skipped: int
    errors: int
    by_outcome: dict[str, int]
    seconds: float
    output: str

    @property
    def cases_per_second(self) -> float:
        """Throughput of this run: cases decided per second of wall time."""
        return self.done / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        """The bilingual summary the CLI prints."""
        counts = "，".join(f"{k} {n}" for k, n in self.by_outcome.items()) or "无 none"
        head = (
            f"已全部完成 nothing to do：{self.total} 件均已在 {self.output} 中 all already there"
            if self.done == 0
            else f"本次认定 {self.done} 件 decided，跳过已完成 {self.skipped} 件 skipped，"
            f"共 {self.total} 件 total；{self.seconds:.1f} 秒 s，"
            f"{self.cases_per_second:.1f} 件/秒 cases/s → {self.output}"
        )
        return f"{head}\n结论 outcomes：{counts}；错误 errors：{self.errors}"


@dataclass(frozen=True)
class Job:
    """What a worker needs to decide cases (picklable: it travels to the workers)."""

    ruleset: str
    as_of: dt.date | None = None
    backend: Backend = "durable"
    paths: tuple[str, ...] = ()
    format: OutputFormat = "full"


class Item(NamedTuple):
    """One case to decide: raw bytes (``yaml`` file, ``json`` line), a ``case`` (Case or dict),
    or ``error`` diagnostics found reading it. ``name``, ``line``: where diagnostics point."""

    key: str
    name: str
    line: int
    kind: Literal["yaml", "json", "case", "error"]
    data: Any


class Result(NamedTuple):
    """One output record; ``outcome`` is None when the line carries errors instead."""

    key: str
    outcome: str | None
    line: str


Results = Generator[Result, None, None]


class CaseRunner:
    """Decides items with one Engine and serialises each as its output line. A bad case does not
    raise: its located diagnostics become its record."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.engine = Engine(job.paths, backend=job.backend)

    def close(self) -> None:
        self.engine.close()

    def run_chunk(self, items: Iterable[Item]) -> list[Result]:
        return [self.run(item) for item in items]

    def run(self, item: Item) -> Result:
        where = Location(item.name, item.line)
        try:
            decision = self._decide(item)
        except InputError as exc:
            diags = list(exc.diagnostics)
        except RulesetNotFound as exc:
            zh, _, en = str(exc).partition(" / ")
            diags = [Diagnostic("RC301", where, zh, en or zh)]
        except EngineError as exc:
            diags = [Diagnostic("engine", where, f"引擎错误：{exc}", f"engine error: {exc}")]
        # Anything else is a bug, not a property of the case: it stops the run (the output stays
        # consistent), rather than being recorded as done and skipped by every re-run.
        else:
            head = {"key": item.key, "case_id": decision.case.id, "outcome": decision.outcome}
            line = json.dumps(head, ensure_ascii=False, separators=_COMPACT)
            if self.job.format == "full":
                line = f'{line[:-1]},"decision":{decision.model_dump_json()}}}'
            return Result(item.key, decision.outcome, line)
        record = {"key": item.key, "error": [d.to_dict() for d in diags]}
        return Result(item.key, None, json.dumps(record, ensure_ascii=False, separators=_COMPACT))

    def _decide(self, item: Item) -> Decision:
        data, source = item.data, CaseSource(item.name)
        if item.kind == "error":
            raise CaseError(data)
        if item.kind == "yaml":
            loaded, diags = load_text(data, item.name)
            if loaded is None or diags:
                raise CaseError(diags)
            data, source = loaded.data, CaseSource(item.name, loaded.positions)
        elif item.kind == "json":
            data = _json_line(item.data, item.name, item.line)
        try:
            return self._evaluate(data, source)
        except CaseError:
            if item.kind != "json":
                raise
            # Fast path failed: parse the line again, keeping positions, to locate the errors.
            return self._evaluate(data, _line_source(item.data, item.name, item.line))

    def _evaluate(self, data: Any, source: CaseSource) -> Decision:
        model = data if isinstance(data, Case) else parse_case(data, source)
        return self.engine._evaluate(model, source, self.job.ruleset, self.job.as_of)[0]


def _json_line(raw: bytes, name: str, line: int) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        zh, en, col = f"不是 UTF-8 编码（第 {exc.start} 字节）", "not UTF-8 encoded", 1
    except json.JSONDecodeError as exc:
        zh, en, col = f"JSON 语法错误：{exc.msg}", f"JSON syntax error: {exc.msg}", exc.colno
    hint = "每行一个完整的 JSON 对象 one whole JSON object per line"
    raise CaseError([Diagnostic("RC001", Location(name, line, col), zh, en, hint)])


def _line_source(raw: bytes, name: str, line: int) -> CaseSource:
    """Positions for a JSONL line: the columns YAML finds on it, moved to line ``line``."""
    pos = Positions(name, {(): (line, 1)})
    loaded, diags = load_text(raw, name)
    if loaded is not None and not diags:
        pos.values.update({p: (line, c) for p, (_, c) in loaded.positions.values.items()})
        pos.keys.update({p: (line, c) for p, (_, c) in loaded.positions.keys.items()})
    return CaseSource(name, pos)


# --- the output ---------------------------------------------------------------------------


class ResultLog:
    """The output file: the keys already written, and appends never torn nor repeated.

    Opened with ``O_APPEND`` under an exclusive ``flock``; a record is one ``os.write`` of a
    whole line; ``fsync`` every ``sync_every`` records and on close.
    """

    def __init__(self, path: Path, sync_every: int = SYNC_EVERY) -> None:
        self.path, self.sync_every, self._unsynced = path, sync_every, 0
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise RongcuoError(
                f"{path}：另一个批量任务正在写入 another batch is writing it"
            ) from None
        if created:  # make the new directory entry durable too
            folder = os.open(path.parent, os.O_RDONLY)
            os.fsync(folder)
            os.close(folder)
        #: key → outcome (None for an error record) of each record already in the file
        self.done: dict[str, str | None] = {}
        #: bytes cut off the end: a torn last line left by a crash (0 when none)
        self.repaired = self._scan()

    def _scan(self) -> int:
        offset, last, bad = 0, None, None  # last: (key, start, line); bad: (number, start)
        with open(self._fd, "rb", closefd=False) as f:
            for number, raw in enumerate(f, 1):
                if bad is not None:  # a line that is not a record, and not the last one
                    raise InputError([_not_a_record(str(self.path), bad[0])])
                match = _HEAD.match(raw) if raw.endswith(b"\n") else None
                if match is None:
                    bad = (number, offset)
                elif (key := json.loads(match[1])) not in self.done:
                    self.done[key] = match[2].decode() if match[2] else None
                    last = (key, offset, raw)
                offset += len(raw)
        cut = bad[1] if bad else None
        if cut is None and last is not None:
            try:  # the last line may be torn yet look whole (a crash can leave zeroes)
                json.loads(last[2])
            except ValueError:
                cut = last[1]
                del self.done[last[0]]
        if cut is None:
            return 0
        os.ftruncate(self._fd, cut)
        os.fsync(self._fd)
        return offset - cut

    def append(self, line: str) -> None:
        """Append one record: one write of the whole line (looping only on a short write)."""
        view = memoryview((line + "\n").encode())
        while view:
            view = view[os.write(self._fd, view) :]
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        os.fsync(self._fd)
        self._unsynced = 0

    def close(self) -> None:
        """fsync, then close (which releases the lock)."""
        if self._fd >= 0:
            try:
                self.sync()
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> ResultLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _not_a_record(path: str, line: int) -> Diagnostic:
    return Diagnostic(
        "RC001",
        Location(path, line, 1),
        "不是 rongcuo batch 的输出记录（只有最后一行可能是中断写入的残行）",
        "not a rongcuo batch record (only the last line may be torn by a crash)",
        "-o 是否指错了文件？ is -o the right file?",
    )


# --- the input ----------------------------------------------------------------------------

Entry = tuple[str, Callable[[], Item]]  # a key, and how to read its case if it must run


def open_input(cases: Cases) -> tuple[Callable[[], Iterator[Entry]], bool]:
    """The entries of ``cases``, and whether they can be read twice (to count them first).

    A folder (case files found recursively, sorted; hidden ones skipped), one case file, a JSON
    Lines file (``*.jsonl``, ``*.ndjson``), ``"-"`` for JSON Lines on standard input, or an
    iterable of (key, case) pairs.
    """
    if not isinstance(cases, str | Path):
        return functools.partial(_pairs, cases), False
    if str(cases) == "-":
        return functools.partial(_lines, None), False
    path = Path(cases)
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file()]
        keyed = {p.relative_to(path).as_posix(): p for p in found}
        files = [(k, p) for k, p in sorted(keyed.items()) if not re.search(r"(^|/)\.", k)]
        return functools.partial(_files, files), True
    if path.suffix in JSONL_SUFFIXES and path.is_file():
        return functools.partial(_lines, path), True
    if path.suffix in CASE_SUFFIXES and path.is_file():
        return functools.partial(_files, [(path.name, path)]), True
    raise ValueError(
        f"{cases}：不是案件文件夹、案件文件或 JSON Lines 文件 not a folder, a case file "
        f"({', '.join(CASE_SUFFIXES)}) or a JSON Lines file ({', '.join(JSONL_SUFFIXES)})"
    )


def _files(files: list[tuple[str, Path]]) -> Iterator[Entry]:
    return ((key, functools.partial(_read_file, key, path)) for key, path in files)


def _read_file(key: str, path: Path) -> Item:
    try:
        return Item(key, str(path), 0, "yaml", path.read_bytes())
    except OSError as exc:
        why = exc.strerror or str(exc)
        diag = Diagnostic(
            "RC000",
            Location(str(path)),
            f"无法读取文件：{why}",
            f"cannot read file: {why}",
            "检查路径和权限 check the path and permissions",
        )
        return Item(key, str(path), 0, "error", [diag])


def _lines(path: Path | None) -> Iterator[Entry]:
    name = str(path) if path else "<stdin>"
    with path.open("rb") if path else nullcontext(sys.stdin.buffer) as stream:
        for n, raw in enumerate(stream, 1):
            if raw.strip():
                yield f"line:{n}", functools.partial(Item, f"line:{n}", name, n, "json", raw)


def _pairs(pairs: Iterable[tuple[str, CaseInput]]) -> Iterator[Entry]:
    seen: set[str] = set()
    for key, case in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}: keys must be unique")
        seen.add(key)
        if isinstance(case, str | Path):
            yield key, functools.partial(_read_file, key, Path(case))
        else:
            data = case if isinstance(case, Case) else dict(case)
            yield key, functools.partial(Item, key, f"<{key}>", 0, "case", data)


# --- running ------------------------------------------------------------------------------


def windowed(
    submit: Callable[[list[Item]], Any],
    items: Iterator[Item],
    *,
    chunksize: int,
    window: int,
    ordered: bool,
    first_done: Callable[[deque[Any]], Any],
) -> Results:
    """Submit chunks of ``items``, at most ``window`` in flight; yield their results as chunks
    complete (in input order when ``ordered``). ``submit`` returns a future."""
    pending: deque[Any] = deque()
    more = True
    while True:
        while more and len(pending) < window:
            chunk = list(islice(items, chunksize))
            more = bool(chunk)
            if chunk:
                pending.append(submit(chunk))
        if not pending:
            return
        future = pending[0] if ordered else first_done(pending)
        pending.remove(future)
        yield from future.result()


# The runner of this worker process, built once by the pool's initializer: a process-pool
# worker has no other place to keep it. The parent process never sets it.
_RUNNER: CaseRunner | None = None


def _init_worker(job: Job, parent: int) -> None:
    global _RUNNER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _RUNNER = CaseRunner(job)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:  # a parent killed with -9 must not leave workers behind
        time.sleep(0.5)
    os._exit(1)


def _run_chunk(items: list[Item]) -> list[Result]:
    assert _RUNNER is not None, "worker not initialised"
    return _RUNNER.run_chunk(items)


def _first_done(pending: deque[Any]) -> Any:
    return next(iter(wait(pending, return_when=FIRST_COMPLETED).done))


def _in_process(job: Job, items: Iterator[Item]) -> Results:
    runner = CaseRunner(job)
    try:
        yield from (runner.run(item) for item in items)
    finally:
        runner.close()


def _in_pool(
    job: Job, items: Iterator[Item], workers: int, chunksize: int, ordered: bool
) -> Results:
    spawn = multiprocessing.get_context("spawn")
    args = (job, os.getpid())
    pool = ProcessPoolExecutor(workers, spawn, initializer=_init_worker, initargs=args)
    try:

        def submit(chunk: list[Item]) -> Any:
            return pool.submit(_run_chunk, chunk)

        yield from windowed(
            submit, items, chunksize=chunksize, window=4 * workers, ordered=ordered,
            first_done=_first_done,
        )  # fmt: skip
    except BrokenProcessPool as exc:  # most likely a crash in the durable_rules C core
        raise EngineError(
            "一个工作进程意外退出；已写入的结果完好，重新运行同一命令即可继续 "
            "a worker process died; the output is consistent: re-run the command to resume"
        ) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def make_job(
    ruleset: str,
    as_of: dt.date | None,
    backend: Backend,
    paths: Iterable[Path | str],
    format: OutputFormat,
) -> Job:
    """Check the options, and that the ruleset exists and loads, before any case runs."""
    if backend not in get_args(Backend) or format not in get_args(OutputFormat):
        raise ValueError(f"unknown backend {backend!r} or format {format!r}")
    job = Job(ruleset, as_of, backend, tuple(str(p) for p in paths), format)
    versions = Library(job.paths).versions(ruleset)  # RulesetNotFound for an unknown id
    if any(d.severity == "error" for d in versions.diagnostics):
        raise RulesetError(versions.diagnostics)
    return job


def drive(
    cases: Cases,
    output: Path | str,
    run: Callable[[Iterator[Item], int | None], Results],
    *,
    progress: bool,
) -> BatchSummary:
    """Read the input, skip what ``output`` holds, run the rest through ``run`` (given the
    items and, when known, how many) and append each result. Shared by every way of running."""
    start = time.perf_counter()
    entries, finite = open_input(cases)
    out = Path(output)
    skipped, this_run = 0, 0
    tally: Counter[str | None] = Counter()
    with ResultLog(out) as log:
        todo = sum(1 for k, _ in entries() if k not in log.done) if finite else None

        def pending() -> Iterator[Item]:
            nonlocal skipped
            for key, read in entries():
                if key in log.done:
                    skipped += 1
                    tally[log.done[key]] += 1
                else:
                    yield read()

        quiet = not progress or todo == 0
        bar = tqdm(total=todo, desc="批量认定 batch", unit="件", file=sys.stderr, disable=quiet)
        with bar, closing(run(pending(), todo)) as results:
            for result in results:
                log.append(result.line)
                this_run += 1
                tally[result.outcome] += 1
                bar.update()
    errors = tally.pop(None, 0)
    return BatchSummary(
        total=this_run + skipped,
        done=this_run,
        skipped=skipped,
        errors=errors,
        by_outcome={k: n for k, n in sorted(tally.items()) if k is not None},
        seconds=round(time.perf_counter() - start, 3),
        output=str(out),
    )


def batch(
    cases: Cases,
    ruleset: str,
    *,
    output: Path | str,
    workers: int = 1,
    as_of: dt.date | None = None,
    backend: Backend = "durable",
    paths: Iterable[Path | str] = (),
    progress: bool = False,
    format: OutputFormat = "full",
    ordered: bool = False,
    chunksize: int | None = None,
) -> BatchSummary:
    """Decide many cases into ``output`` (JSON Lines), resuming where an earlier run stopped.

    ``cases``: a folder of case files (recursive, sorted; key = path relative to it), a JSON
    Lines file or ``"-"`` for standard input (a case object a line; key = ``line:<n>``), or an
    iterable of ``(key, case)`` pairs. A record is ``{"key", "case_id", "outcome",
    "decision"}`` (``format="summary"``: no ``decision``) or ``{"key", "error": [...]}`` with
    the located diagnostics; a bad case never stops the batch. Keys already in ``output`` are
    skipped: re-run after a crash, every case is written exactly once.

    ``workers`` > 1 starts that many processes, one Engine each; records are then written in
    completion order unless ``ordered``. See docs/batch.md.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    job = make_job(ruleset, as_of, backend, paths, format)

    def run(items: Iterator[Item], todo: int | None) -> Results:
        if workers == 1:
            return _in_process(job, items)
        size = chunksize or (max(1, min(16, todo // (8 * workers))) if todo else 8)
        return _in_pool(job, items, workers, size, ordered)

    return drive(cases, output, run, progress=progress)


def batch_on_dask(
    client: Any, cases: Cases, ruleset: str, *, output: Path | str, **options: Any
) -> BatchSummary:
    """:func:`batch` on the workers of a Dask ``distributed.Client``, one Engine per worker
    process; this process alone writes ``output``. ``options`` as for :func:`batch` (but not
    ``workers``). Needs ``pip install 'rongcuo[dask]'``. See docs/batch.md."""
    if importlib.util.find_spec("distributed") is None:
        raise ImportError("batch_on_dask needs Dask: pip install 'rongcuo[dask]'")
    from ._batch_dask import batch_on_dask as run_on_dask

    return run_on_dask(client, cases, ruleset, output=output, **options)
