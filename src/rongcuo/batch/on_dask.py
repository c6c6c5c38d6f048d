"""A batch on a Dask cluster: the same cases, records and exactly-once output as a local batch.

::

    client process                                   each worker process
    drive(): read input, skip keys done ──chunks──►  EnginePlugin.setup: one CaseRunner (Engine)
    ResultLog: append each record       ◄─results──  _run_chunk: get_worker().plugins[name]

:class:`EnginePlugin` builds one Engine per worker process in ``setup`` and closes it in
``teardown``; tasks find it through ``get_worker()``. Only the client writes the output, through
:func:`rongcuo.batch.run.drive`, so resuming works exactly as for ``rongcuo batch``.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from distributed import Client, Worker, WorkerPlugin, get_worker, wait

from rongcuo.api import Backend
from rongcuo.batch.input import Cases, Item
from rongcuo.batch.run import (
    BatchSummary,
    CaseRunner,
    Job,
    OutputFormat,
    Result,
    Results,
    drive,
    make_job,
    windowed,
)


class EnginePlugin(WorkerPlugin):
    """One :class:`CaseRunner` — one Engine — per worker process, for one batch.

    An Engine is not thread-safe, so a lock serialises the tasks of a worker that has several
    threads; give the workers one thread each (``threads_per_worker=1``) and more processes.
    """

    def __init__(self, job: Job, name: str) -> None:
        self.job = job
        self.name = name
        self.runner: CaseRunner | None = None
        self.lock: threading.Lock | None = None  # made in setup: a lock does not pickle

    def setup(self, worker: Worker) -> None:
        self.lock = threading.Lock()
        self.runner = CaseRunner(self.job)

    def teardown(self, worker: Worker) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None

    def run_chunk(self, items: list[Item]) -> list[Result]:
        assert self.runner is not None and self.lock is not None, "plugin not set up"
        with self.lock:
            return self.runner.run_chunk(items)


def _run_chunk(items: list[Item], plugin: str) -> list[Result]:
    found = get_worker().plugins[plugin]
    assert isinstance(found, EnginePlugin), f"{plugin} is not a rongcuo batch plugin"
    return found.run_chunk(items)


def _first_done(pending: deque[Any]) -> Any:
    return next(iter(wait(list(pending), return_when="FIRST_COMPLETED").done))


def batch_on_dask(
    client: Client,
    cases: Cases,
    ruleset: str,
    *,
    output: Path | str,
    as_of: dt.date | None = None,
    backend: Backend | None = None,
    paths: Iterable[Path | str] = (),
    progress: bool = False,
    format: OutputFormat = "full",
    ordered: bool = False,
    chunksize: int = 16,
) -> BatchSummary:
    """Decide ``cases`` on the workers of ``client`` into ``output``; see :func:`rongcuo.batch`.

    The plugin is registered under a name of its own for this call and unregistered at the end
    (its ``teardown`` closes the engines). At most two chunks per worker thread are in flight.
    """
    job = make_job(ruleset, as_of, backend, paths, format)
    name = f"rongcuo-batch-{uuid.uuid4().hex[:12]}"
    client.register_plugin(EnginePlugin(job, name), name=name)
    window = max(4, 2 * sum(client.nthreads().values()))

    def run(items: Iterator[Item], _todo: int | None) -> Results:
        def submit(chunk: list[Item]) -> Any:
            return client.submit(_run_chunk, chunk, name, pure=False)

        return windowed(
            submit, items, chunksize=chunksize, window=window, ordered=ordered,
            first_done=_first_done,
        )  # fmt: skip

    try:
        return drive(cases, output, run, settings=job.settings(), progress=progress)
    finally:
        client.unregister_worker_plugin(name)
