"""Cases through their procedure at a department's scale, run on demand (never in the suite).

    .venv/bin/python -m bench.procedure [--cases N] [--store sqlite|URL]

Opens ``N`` cases (default 500) from the bundled wanzhou example in a fresh store, records one
step on each, then measures, side by side in one run: a change (open or step: the case read,
checked and the event chained in one transaction), one case's view (fold + every deadline on the
calendar), the whole list (``CaseBook.all``: what ``rongcuo case list`` and the workspace's /cases
do), ``case report`` over it, and ``verify`` of every chain. Prints each figure with its cost per
case, and the list ÷ one view ratio (1.0× per case would mean the list does nothing but views).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from rongcuo.api import Engine
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.procedure.loop import open_items
from rongcuo.records.open import open_store

ROOT = Path(__file__).resolve().parent.parent
AT = "2025-11-30T10:00:00+08:00"


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--store", default="sqlite", help="sqlite (a temporary file) or a URL")
    args = parser.parse_args()
    n = args.cases
    spec = str(Path(tempfile.mkdtemp()) / "bench.sqlite3") if args.store == "sqlite" else args.store
    base = yaml.safe_load((ROOT / "examples" / "wz-01-pilot-tolerate.yaml").read_text("utf-8"))
    with open_store(spec, create=True) as store, Engine(backend="reference") as engine:
        book = CaseBook(store, engine, OfficialCalendar())

        def fill() -> None:
            for i in range(n):
                cid = f"B-{i:05d}"
                on = dt.date(2025, 9, 1) + dt.timedelta(days=i % 60)
                book.open(
                    dict(base, id=cid), ruleset="wanzhou", opened_by="own_motion", on=on,
                    actor="bench", at=AT,
                )  # fmt: skip
                step = {"event": "investigated", "on": "2025-11-20"}
                book.change(cid, "event", step, actor="bench", at=AT)

        day = dt.date(2025, 12, 1)
        changes, _ = timed(fill)
        one, _ = timed(lambda: [book.view(f"B-{i:05d}", day) for i in range(min(n, 50))])
        one /= min(n, 50)
        listed, views = timed(lambda: book.all(day))
        report, items = timed(lambda: open_items(views))
        verified, _ = timed(lambda: [book.verify(h.id) for h in book.heads()])
    print(f"store: {'SQLite file' if args.store == 'sqlite' else 'PostgreSQL'} · {n} cases")
    print(f"  change (open or step)   {changes / (2 * n) * 1000:8.2f} ms each")
    print(f"  one case's view         {one * 1000:8.2f} ms")
    print(f"  the list of all cases   {listed:8.2f} s   ({listed / n * 1000:.2f} ms a case)")
    print(f"  report ({len(items)} open items) {report * 1000:8.1f} ms over the list's views")
    print(f"  verify every chain      {verified:8.2f} s   ({verified / n * 1000:.2f} ms a case)")
    print(f"  list ÷ views            {listed / n / one:8.2f}×")


if __name__ == "__main__":
    main()
