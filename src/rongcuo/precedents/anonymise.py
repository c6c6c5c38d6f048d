"""Anonymising a decided case for the typical-case library (catalogue §13): names to 某某, units
generalised, and a refusal to write anything in which a known name is left.

Takes a case file's data (``Case.model_dump(mode="json")``), the review's deciding body and
reviewer, the extra terms of a ``--redact`` file, and the library id the entry will have; gives
the case's data with every known name replaced — in the structured fields *and* in every text
(narrative, title, allegation summaries, evidence titles, correction texts) — and the table of
terms replaced, which :func:`find_leaks` then looks for in everything the entry holds.

::

    Pseudonyms(table)        one per library build: a person's name → 某甲, 某乙 … in order of
                             first appearance; a unit → 某局, 某街道办事处 … by its type suffix
    Terms                    known name → replacement, for one entry
    collect_terms(...)       the known names of one case (cadre, unit, bodies, reporters, id)
    scrub(value, terms)      every string in ``value`` with the terms replaced, longest first
    find_leaks(value, ...)   RC750 where a known name is still there (also spaced, full-width …)
    unlisted_names(...)      RC751 warnings: a surname + 某 left, a person no field names

The rules (letters, unit suffixes, surnames) are data: ``data/anonymise.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rongcuo.errors import Diagnostic, DocPath, InputError, Location

DATA = Path(__file__).parent / "data"
#: Characters ignored when looking for a name left behind: a name written with spaces, dots
#: or zero-width characters between its characters is still the name.
_IGNORED = re.compile(r"[\s·•・‧.\-_\u200b-\u200d\u2060\ufeff]+")


class AnonymiseError(InputError):
    """A case cannot be anonymised safely: a known name is left (RC750) or a --redact file is
    wrong (RC752)."""


@dataclass(frozen=True)
class Table:
    """The anonymisation rules of ``data/anonymise.yaml``."""

    prefix: str
    letters: tuple[str, ...]
    rounds: tuple[str, ...]
    unit_fallback: str
    unit_suffixes: tuple[tuple[str, str], ...]  # longest suffix first
    surnames: str

    @classmethod
    def load(cls, path: Path = DATA / "anonymise.yaml") -> Table:
        """The table in ``path`` (the bundled one by default)."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        persons, units = raw["persons"], raw["units"]
        suffixes = sorted(units["suffixes"].items(), key=lambda kv: (-len(kv[0]), kv[0]))
        return cls(
            prefix=str(persons["prefix"]),
            letters=tuple(str(x) for x in persons["letters"]),
            rounds=tuple(str(x) for x in persons["rounds"]),
            unit_fallback=str(units["fallback"]),
            unit_suffixes=tuple((str(k), str(v)) for k, v in suffixes),
            surnames=str(raw["surnames"]),
        )


@dataclass
class Pseudonyms:
    """The pseudonyms of one library build: the same person gets the same letter in every
    entry, letters given in order of first appearance (so the build order fixes them)."""

    table: Table
    people: dict[str, str] = field(default_factory=dict)

    def person(self, name: str) -> str:
        """某甲, 某乙 … for ``name``: the one it already has, else the next."""
        key = normalise(name)
        if key not in self.people:
            n = len(self.people)
            letters = self.table.letters
            rnd, pos = divmod(n, len(letters))
            if rnd > len(self.table.rounds):
                # beyond the table's rounds: the count in digits (more than 100 people)
                suffix = str(rnd + 1)
            else:
                suffix = self.table.rounds[rnd - 1] if rnd else ""
            self.people[key] = self.table.prefix + letters[pos] + suffix
        return self.people[key]

    def unit(self, name: str) -> str:
        """The unit's type kept, its place and name dropped: the longest listed suffix it ends
        with decides (万州区某街道办事处 → 某街道办事处); none: the table's fallback."""
        text = name.strip()
        for suffix, replacement in self.table.unit_suffixes:
            if text.endswith(suffix):
                return replacement
        return self.table.unit_fallback


#: Known name → what it becomes, for one entry.
Terms = dict[str, str]


def normalise(text: str) -> str:
    """``text`` as names are compared: NFKC (full-width letters and digits folded), without
    spaces, dots, dashes or zero-width characters."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text))


def collect_terms(
    case: Mapping[str, Any],
    library_id: str,
    pseudonyms: Pseudonyms,
    *,
    people: Iterable[str] = (),
    units: Iterable[str] = (),
    redact: Iterable[tuple[str, str | None]] = (),
) -> Terms:
    """The known names of one case and what each becomes: the case id (→ ``library_id``), the
    cadre's name, id and unit, the accountability body, the managing department, every
    reporter's name, then ``people`` and ``units`` named elsewhere (the reviewer, the reviewing
    body) and the ``redact`` terms (with their replacement, or generalised as a unit when they
    end like one, else ``某某``). Persons are taken in this order, so letters follow it."""
    terms: Terms = {}

    def add(term: object, replacement: str) -> None:
        if isinstance(term, str) and term.strip() and term.strip() not in terms:
            terms[term.strip()] = replacement

    add(case.get("id"), library_id)
    cadre = case.get("cadre") or {}
    if cadre.get("name"):
        add(cadre["name"], pseudonyms.person(cadre["name"]))
    if cadre.get("id"):
        add(cadre["id"], pseudonyms.person(cadre["name"]) if cadre.get("name") else "某某")
    for allegation in case.get("allegations") or []:
        name = (allegation.get("reporter") or {}).get("name")
        if name:
            add(name, pseudonyms.person(name))
    for person in people:
        if person.strip():
            add(person, pseudonyms.person(person))
    body = (case.get("accountability_body") or {}).get("name")
    for unit in (cadre.get("unit"), body, case.get("managing_department"), *units):
        if isinstance(unit, str) and unit.strip():
            add(unit, pseudonyms.unit(unit))
    for term, replacement in redact:
        generalised = pseudonyms.unit(term)
        fallback = "某某" if generalised == pseudonyms.table.unit_fallback else generalised
        add(term, replacement if replacement is not None else fallback)
    return terms


def anonymise_case(case: Mapping[str, Any], terms: Terms) -> dict[str, Any]:
    """The case's data with every term replaced everywhere, and the fields that only identify
    (the cadre's id) left out."""
    data: dict[str, Any] = scrub(dict(case), terms)
    if isinstance(data.get("cadre"), dict):
        data["cadre"].pop("id", None)
    return data


def scrub(value: Any, terms: Terms) -> Any:
    """``value`` (JSON-like data) with the terms replaced in every string, longest term first
    so that a unit containing a name is replaced whole; keys are left as they are."""
    if not terms:
        return value
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=lambda t: (-len(t), t))))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda m: terms[m.group(0)], item)
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    return walk(value)


def strings(value: Any, path: DocPath = ()) -> Iterator[tuple[DocPath, str]]:
    """Every string in JSON-like ``value`` (keys too), with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield (*path, str(k)), str(k)
            yield from strings(v, (*path, str(k)))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from strings(v, (*path, i))


def find_leaks(value: Any, terms: Terms, where: str) -> list[Diagnostic]:
    """RC750 for each string in ``value`` where a known name is still found, compared as
    :func:`normalise` makes them (so 张 三, ｚｈａｎｇ and 张·三 are caught, not only 张三)."""
    found: list[Diagnostic] = []
    names = [(t, normalise(t)) for t in terms if normalise(t)]
    # What the names became is masked first: a term may be part of its own replacement
    # (区委 → 某区委), and that is no leak.
    masks = sorted({normalise(r) for r in terms.values() if normalise(r)}, key=len, reverse=True)
    for path, text in strings(value):
        flat = normalise(text)
        for mask in masks:
            flat = flat.replace(mask, "\x00")
        for term, norm in names:
            if norm in flat:
                found.append(
                    Diagnostic(
                        "RC750",
                        Location(where, 0, 0, path),
                        f"匿名化后仍含已知名称“{term}”（或其变体），不写入案例库",
                        f"a known name ({term!r}, or a variant of it) is still there after "
                        "anonymising; the library is not written",
                        "把该写法加入 --redact 文件（每行一个），或改正案件文本后重新生成 "
                        "add this spelling to the --redact file, or fix the case text",
                    )
                )
                break
    return found


def unlisted_names(
    value: Any, table: Table, where: str, people: Iterable[str] = ()
) -> list[Diagnostic]:
    """RC751 warnings: a surname followed by 某 (李某, 王某某) left in a text, which names a
    person no field of the case lists, and the given name alone of a known person of three
    characters or more (建国 of 王建国); the officer decides whether to redact it. Warnings,
    not refusals: 建国 is also a word."""
    pattern = re.compile(f"[{re.escape(table.surnames)}]某+")
    given = sorted({normalise(p)[1:] for p in people if len(normalise(p)) >= 3})
    found: list[Diagnostic] = []
    for path, text in strings(value):
        flat = normalise(text)
        for part in given:
            if part in flat:
                found.append(
                    Diagnostic(
                        "RC751",
                        Location(where, 0, 0, path),
                        f"文本中的“{part}”可能是已知人员名字的一部分",
                        f"{part!r} in the text may be part of a known person's name",
                        "如是，加入 --redact 文件后重新生成 if so, add it to --redact",
                        severity="warning",
                    )
                )
        for m in sorted(set(pattern.findall(text))):
            found.append(
                Diagnostic(
                    "RC751",
                    Location(where, 0, 0, path),
                    f"文本中的“{m}”可能是未列出的人名",
                    f"{m!r} in the text may name a person no field of the case lists",
                    "如需隐去，加入 --redact 文件后重新生成 add it to --redact if it must go",
                    severity="warning",
                )
            )
    return found


def read_redact(path: Path | str) -> list[tuple[str, str | None]]:
    """The terms of a ``--redact`` file: one a line, ``词语`` or ``词语 => 替换``; blank lines
    and lines starting with ``#`` are skipped. RC752 when it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AnonymiseError(
            [
                Diagnostic(
                    "RC752",
                    Location(str(path)),
                    f"无法读取脱敏词表 {path}：{why}",
                    f"cannot read the redact file {path}: {why}",
                    "给出 UTF-8 文本文件，每行一个词语 a UTF-8 text file, one term a line",
                )
            ]
        ) from None
    out: list[tuple[str, str | None]] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        term, sep, replacement = line.partition("=>")
        if not term.strip() or (sep and not replacement.strip()):
            raise AnonymiseError(
                [
                    Diagnostic(
                        "RC752",
                        Location(str(path), n, 1),
                        f"脱敏词表第 {n} 行应为“词语”或“词语 => 替换”",
                        f"line {n} of the redact file must be 'term' or 'term => replacement'",
                        "例如 e.g. 万州区 => 某区",
                    )
                ]
            )
        out.append((term.strip(), replacement.strip() if sep else None))
    return out
