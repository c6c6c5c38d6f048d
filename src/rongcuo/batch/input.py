"""Batch input: the cases of a folder, a case file, a JSON Lines file or stream, or (key, case)
pairs, each under the key that identifies it in the output.

A folder's key is the path relative to it; a JSON Lines line's key is ``line:<n>``. Entries are
lazy: a case file is read only when its key is not already done.

A folder means the case files in it and in its subfolders (sorted by path; names starting with
``.`` skipped), for ``rongcuo batch`` and ``rongcuo memo`` alike (:func:`case_files`). A calendar
supplement kept among them (a YAML file whose top-level keys are years, as in
``examples/calendar/``) is not a case: it is skipped and named, not reported as a broken case.
"""

from __future__ import annotations

import functools
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Literal, NamedTuple

from rongcuo.api import CaseInput
from rongcuo.case.file import Case
from rongcuo.errors import Diagnostic, Location
from rongcuo.ruleset.document import load_text

Cases = str | Path | Iterable[tuple[str, CaseInput]]
CASE_SUFFIXES = (".yaml", ".yml", ".json")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


class Item(NamedTuple):
    """One case to decide: raw bytes (``yaml`` file, ``json`` line), a ``case`` (Case or dict),
    or ``error`` diagnostics found reading it. ``name``, ``line``: where diagnostics point."""

    key: str
    name: str
    line: int
    kind: Literal["yaml", "json", "case", "error", "calendar"]
    data: Any


Entry = tuple[str, Callable[[], Item]]  # a key, and how to read its case if it must run


class Input(NamedTuple):
    """An opened input: its entries (a fresh iterator each call), whether they can be read twice
    (to count them first), and the JSON Lines file it is, if it is one (not standard input)."""

    entries: Callable[[], Iterator[Entry]]
    finite: bool
    lines: Path | None = None


def open_input(cases: Cases, exclude: Iterable[Path] = ()) -> Input:
    """The entries of ``cases``: a folder (:func:`case_files`, leaving out the files
    ``exclude`` — the batch's own output and run file when they lie inside it), one case file,
    a JSON Lines file (``*.jsonl``, ``*.ndjson``), ``"-"`` for JSON Lines on standard input, or
    an iterable of (key, case) pairs.
    """
    if not isinstance(cases, str | Path):
        return Input(functools.partial(_pairs, cases), False)
    if str(cases) == "-":
        return Input(functools.partial(_lines, None), False)
    path = Path(cases)
    if path.is_dir():
        return Input(functools.partial(_files, case_files(path, exclude)), True)
    if path.suffix in JSONL_SUFFIXES and path.is_file():
        return Input(functools.partial(_lines, path), True, path)
    if path.suffix in CASE_SUFFIXES and path.is_file():
        return Input(functools.partial(_files, [(path.name, path)]), True)
    raise ValueError(
        f"{cases}：不是案件文件夹、案件文件或 JSON Lines 文件 not a folder, a case file "
        f"({', '.join(CASE_SUFFIXES)}) or a JSON Lines file ({', '.join(JSONL_SUFFIXES)})"
    )


def case_files(folder: Path, exclude: Iterable[Path] = ()) -> list[tuple[str, Path]]:
    """The case files of a folder input, as (key, path): ``*.yaml``, ``*.yml``, ``*.json`` in it
    and its subfolders, sorted by key (the path relative to ``folder``), skipping any name that
    starts with ``.`` and the files in ``exclude``. Calendar supplements are among them; they are
    recognised when read (:func:`is_calendar_supplement`)."""
    left_out = {p.resolve() for p in exclude}
    found = [p for p in folder.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file()]
    keyed = {p.relative_to(folder).as_posix(): p for p in found}
    return [
        (k, p)
        for k, p in sorted(keyed.items())
        if not re.search(r"(^|/)\.", k) and p.resolve() not in left_out
    ]


# The first top-level key of a calendar supplement is a year (``2025:``); no case field is.
_YEAR_KEY = re.compile(rb"""["']?[0-9]{4}["']?[ \t]*:(?:[ \t]|\r?\n|$)""")


def is_calendar_supplement(data: bytes) -> bool:
    """Whether ``data`` is a calendar supplement (``rongcuo memo --calendar``) rather than a
    case: a YAML mapping whose keys are all years. Only a file whose first key looks like a
    year is parsed, so cases cost one scan of their first lines."""
    for line in io.BytesIO(data):  # lazily: a case is rejected on its first key
        text = line.strip()
        if not text or text.startswith((b"#", b"%", b"---")):
            continue
        if line[:1].isspace() or not _YEAR_KEY.match(line):
            return False
        break
    else:
        return False
    loaded, diags = load_text(data, "<calendar?>")
    found = loaded.data if loaded is not None and not diags else None
    return isinstance(found, dict) and bool(found) and all(_is_year(k) for k in found)


def _is_year(key: object) -> bool:
    return (isinstance(key, int) and not isinstance(key, bool) and 1000 <= key <= 9999) or (
        isinstance(key, str) and re.fullmatch(r"[0-9]{4}", key) is not None
    )


def _files(files: list[tuple[str, Path]]) -> Iterator[Entry]:
    return ((key, functools.partial(_read_file, key, path)) for key, path in files)


def _read_file(key: str, path: Path) -> Item:
    try:
        data = path.read_bytes()
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
    if is_calendar_supplement(data):
        return Item(key, str(path), 0, "calendar", None)
    return Item(key, str(path), 0, "yaml", data)


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
