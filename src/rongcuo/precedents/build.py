"""Building a typical-case library folder from decided cases, and reading one back.

Takes :class:`~rongcuo.precedents.entry.Decided` cases (and the terms of a ``--redact`` file);
gives anonymised :class:`~rongcuo.precedents.entry.Entry` values and a library folder::

    DIR/index.json        {"format", "weights", "entries": [{library_id, file, title, outcome,
                           outcome_label, final, features}]}
    DIR/2024-01.json      one entry, anonymised (典型案例 2024-01)

Cases are ordered by the day of their decision, then case id, then source; library ids number
them within each year (典型案例 2024-01, -02 …), and the pseudonyms (某甲, 某乙 …) follow the same
order. Every file is written atomically (:func:`rongcuo.files.write_file`) as UTF-8 JSON with a
fixed key order: the same decided cases give byte-identical folders. Nothing is written when
any entry still holds a known name (RC750, every such place listed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rongcuo.errors import Diagnostic, InputError, Location
from rongcuo.files import ensure_folder, write_file
from rongcuo.precedents.anonymise import (
    DATA,
    AnonymiseError,
    Pseudonyms,
    Table,
    anonymise_case,
    collect_terms,
    find_leaks,
    scrub,
    unlisted_names,
)
from rongcuo.precedents.entry import FEATURE_SETS, Decided, Entry, entry_data, lessons

FORMAT = "rongcuo.precedents/1"
INDEX = "index.json"


class LibraryError(InputError):
    """A library folder cannot be built or read as asked (RC753–RC756)."""


def library_error(code: str, where: str, zh: str, en: str, hint: str) -> LibraryError:
    """One located, bilingual :class:`LibraryError`."""
    return LibraryError([Diagnostic(code, Location(where), zh, en, hint)])


@dataclass(frozen=True)
class Built:
    """The entries of a build, where each came from (a file, a record; never written to the
    library) and the build's warnings (RC751: names no field lists)."""

    entries: list[Entry]
    sources: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def default_weights() -> dict[str, float]:
    """The bundled search weights (``data/search.yaml``)."""
    raw = yaml.safe_load((DATA / "search.yaml").read_text(encoding="utf-8"))
    return {k: float(v) for k, v in raw["weights"].items()}


def make_entries(
    decided: Sequence[Decided],
    redact: Sequence[tuple[str, str | None]] = (),
    table: Table | None = None,
) -> Built:
    """The anonymised entries of ``decided``, in library order. Raises :class:`AnonymiseError`
    (RC750, each place listed) when a known name is still found anywhere in an entry."""
    if not decided:
        raise library_error(
            "RC755",
            "<library>",
            "没有可收入案例库的已决案件",
            "no decided case to put in the library",
            "给出含案件文件的文件夹，或含已登记最终决定（record review）的记录库 give a folder "
            "of case files, or a store with reviewed records",
        )
    table = table or Table.load()
    wording = lessons()
    prefix = str(wording.get("id_prefix", "典型案例"))
    ordered = sorted(decided, key=lambda d: (d.decided_on, d.case.id, d.source))
    pseudonyms = Pseudonyms(table)
    counts: dict[int, int] = {}
    entries: list[Entry] = []
    leaks: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for item in ordered:
        year = item.decided_on.year
        counts[year] = counts.get(year, 0) + 1
        library_id = f"{prefix} {year}-{counts[year]:02d}"
        data = entry_data(item, library_id, wording)
        review = item.review
        terms = collect_terms(
            data["case"],
            library_id,
            pseudonyms,
            people=[review.reviewer] if review else [],
            units=[review.deciding_body] if review else [],
            redact=redact,
        )
        anon = scrub({k: v for k, v in data.items() if k != "case"}, terms)
        anon["case"] = anonymise_case(data["case"], terms)
        names = {k: v for k, v in terms.items() if k != item.case.id}
        leaks += find_leaks(anon, names, item.source)
        people = [t for t, r in terms.items() if r in pseudonyms.people.values()]
        warnings += unlisted_names(
            {k: anon[k] for k in ("title", "narrative", "points")}, table, item.source, people
        )
        entries.append(Entry.model_validate(anon))
    if leaks:
        raise AnonymiseError(leaks)
    return Built(entries, [d.source for d in ordered], warnings)


def entry_file(entry: Entry) -> str:
    """The file name of an entry: its year and number (典型案例 2024-01 → ``2024-01.json``)."""
    return entry.library_id.rsplit(" ", 1)[-1] + ".json"


def _dump(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def build_library(
    entries: Sequence[Entry], out_dir: Path | str, weights: dict[str, float] | None = None
) -> list[Path]:
    """Write ``entries`` and their index into ``out_dir`` (created if needed) and give the
    paths written. Entry files an earlier build of this folder listed and this one does not are
    removed, so a rebuilt library holds no stale (and perhaps less anonymised) entry; a folder
    that holds other files and is no library is refused (RC753)."""
    out = ensure_folder(out_dir)
    old: list[str] = []
    if (out / INDEX).is_file():
        old = [e.file for e in load_index(out).entries]
    elif any(out.iterdir()):
        # Files of some other kind could be overwritten (2024-01.json) or mixed in: refused.
        raise library_error(
            "RC753",
            str(out),
            f"输出文件夹 {out} 不为空，且不是案例库（没有 {INDEX}），不写入",
            f"the output folder {out} is not empty and not a library (no {INDEX}); "
            "nothing is written",
            "另选一个新文件夹，或已有案例库的文件夹 give a new folder, or a library's folder",
        )
    weights = weights or default_weights()
    index = {
        "format": FORMAT,
        "weights": weights,
        "labels": feature_labels(entries),
        "entries": [
            {
                "library_id": e.library_id,
                "file": entry_file(e),
                "title": e.title,
                "outcome": e.outcome,
                "outcome_label": e.outcome_label,
                "final": e.final,
                "features": e.features,
            }
            for e in entries
        ],
    }
    written = []
    for e in entries:
        path = out / entry_file(e)
        write_file(path, _dump(e.model_dump(mode="json")))
        written.append(path)
    write_file(out / INDEX, _dump(index))
    written.append(out / INDEX)
    keep = {p.name for p in written}
    for name in old:
        if name not in keep and "/" not in name and (out / name).is_file():
            (out / name).unlink()
    return written


def feature_labels(entries: Sequence[Entry]) -> dict[str, str]:
    """The Chinese label of every feature the entries hold (``motive_attitude=favourable`` →
    ``看动机态度：有利``), sorted by feature, so a search can say what is shared in words."""
    found: dict[str, str] = {}
    for e in entries:
        for item in (*e.situations, *e.exclusions, *e.grounds, *e.work_area):
            found[item["id"]] = item["label"]
        for look in e.looks:
            found[f"{look['id']}={look['finding']}"] = f"{look['label']}：{look['finding_label']}"
        found[e.outcome] = e.outcome_label
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class IndexEntry:
    """One row of index.json."""

    library_id: str
    file: str
    title: str
    outcome: str
    outcome_label: str
    final: bool
    features: dict[str, list[str]]


@dataclass(frozen=True)
class Index:
    """A library's index: its search weights and entries."""

    folder: Path
    weights: dict[str, float]
    entries: list[IndexEntry]
    labels: dict[str, str] = field(default_factory=dict)


def load_index(folder: Path | str) -> Index:
    """The index of the library in ``folder``: RC753 when there is none or it is not one."""
    folder = Path(folder)
    path = folder / INDEX
    hint = "用 `rongcuo library build` 生成案例库 build one with `rongcuo library build`"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise library_error(
            "RC753",
            str(folder),
            f"{folder} 不是案例库（没有 {INDEX}）",
            f"{folder} is not a typical-case library (no {INDEX})",
            hint,
        ) from None
    except (OSError, ValueError) as exc:
        raise library_error(
            "RC753",
            str(path),
            f"无法读取案例库索引：{exc}",
            f"cannot read the library index: {exc}",
            hint,
        ) from None
    try:
        if raw["format"] != FORMAT:
            raise KeyError("format")
        weights = _weights(raw["weights"], str(path))
        rows = [IndexEntry(**row) for row in raw["entries"]]
        labels = {str(k): str(v) for k, v in raw.get("labels", {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise library_error(
            "RC753",
            str(path),
            f"案例库索引格式不对（{exc}）",
            f"the library index is not in the {FORMAT} format ({exc})",
            hint,
        ) from None
    return Index(folder, weights, rows, labels)


def _weights(raw: Any, where: str) -> dict[str, float]:
    ok = isinstance(raw, dict) and all(
        k in FEATURE_SETS and isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        for k, v in raw.items()
    )
    if not ok or not any(raw.values()):
        raise library_error(
            "RC756",
            where,
            f"检索权重应为各特征集合到非负数的映射，且不全为零：{raw!r}",
            f"the search weights must map feature sets to non-negative numbers, not all zero: "
            f"{raw!r}",
            f"可用的集合 sets: {', '.join(FEATURE_SETS)}",
        )
    return {k: float(v) for k, v in raw.items()}


def load_entry(index: Index, row: IndexEntry) -> Entry:
    """The entry ``row`` of ``index``, read from its file: RC754 when missing or not valid."""
    path = index.folder / row.file
    try:
        return Entry.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else f"{exc.error_count()} 处不符"
        raise library_error(
            "RC754",
            str(path),
            f"案例库条目 {row.library_id} 无法读取：{why}",
            f"the library entry {row.library_id} cannot be read: {why}",
            "重新生成案例库 build the library again",
        ) from None


def load_entries(folder: Path | str) -> list[Entry]:
    """Every entry of the library in ``folder``, in index order."""
    index = load_index(folder)
    return [load_entry(index, row) for row in index.entries]
