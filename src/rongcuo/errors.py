"""Errors are data: every problem rongcuo reports is a :class:`Diagnostic`.

Exception hierarchy::

    RongcuoError                 base of everything rongcuo raises on purpose
    ├── InputError               bad input, with located diagnostics
    │   ├── RulesetError         a ruleset file (or set of files) is wrong
    │   └── CaseError            a case file is wrong
    ├── RulesetNotFound          no ruleset by that id, or none in force on a date
    └── EngineError              the rule engine failed on a valid input

A diagnostic carries a stable ``code``, a location (file, line, column and the path inside the
document), a message in Chinese and in English, and a hint saying how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
PathItem = str | int
DocPath = tuple[PathItem, ...]

#: Diagnostics shown in one listing before the rest are summarised (policy staff fix a file in one pass,
#: but a wall of 300 errors from one misplaced indent helps nobody).
MAX_DIAGNOSTICS = 50


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: file, 1-based line and column, and the path inside the document."""

    file: str
    line: int = 0
    column: int = 0
    path: DocPath = field(default=(), compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        return where

    def path_text(self) -> str:
        """The document path as ``rules[3].when.all[0]``."""
        out = ""
        for item in self.path:
            if isinstance(item, int):
                out += f"[{item}]"
            else:
                out += f".{item}" if out else str(item)
        return out


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an input file."""

    code: str
    location: Location
    message_zh: str
    message_en: str
    hint: str = ""
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.file, self.location.line, self.location.column, self.code)

    def format(self) -> str:
        """Render as the located, bilingual text every command prints."""
        head = f"{self.location}: {self.severity} {self.code}"
        path = self.location.path_text()
        if path:
            head += f" [{path}]"
        lines = [head, f"  {self.message_zh}", f"  {self.message_en}"]
        if self.hint:
            lines.append(f"  提示 hint: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": list(self.location.path),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "hint": self.hint,
        }


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file and position, dropping exact repeats."""
    seen: set[tuple[object, ...]] = set()
    out: list[Diagnostic] = []
    for d in sorted(diags, key=Diagnostic.sort_key):
        key = (d.code, d.location, d.location.path, d.message_en)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def format_diagnostics(diags: Sequence[Diagnostic], limit: int = MAX_DIAGNOSTICS) -> str:
    """Format a sorted list, capped at ``limit`` entries, with a bilingual summary line.

    The cap drops warnings before errors: errors are shown first in the choice (up to
    ``limit``), warnings fill what room is left, and those chosen keep their sorted order. So a
    ruleset's one error is never hidden behind 50 warnings about missing citations.
    """
    errors = [i for i, d in enumerate(diags) if d.severity == "error"]
    warnings = [i for i, d in enumerate(diags) if d.severity != "error"]
    chosen = sorted((errors + warnings)[:limit])
    parts = [diags[i].format() for i in chosen]
    if len(diags) > len(chosen):
        hidden_errors = len(errors) - sum(1 for i in chosen if diags[i].severity == "error")
        hidden_warnings = len(diags) - len(chosen) - hidden_errors
        parts.append(
            f"……另有 {len(diags) - len(chosen)} 条未显示（{hidden_errors} 个错误，"
            f"{hidden_warnings} 个警告）/ {len(diags) - len(chosen)} more not shown "
            f"({hidden_errors} error(s), {hidden_warnings} warning(s))"
        )
    parts.append(
        f"{len(errors)} 个错误，{len(warnings)} 个警告 / "
        f"{len(errors)} error(s), {len(warnings)} warning(s)"
    )
    return "\n".join(parts)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known names, or listing a few when none is close."""
    pool = sorted(set(choices))
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    if close:
        return "是否想写 did you mean: " + ", ".join(repr(c) for c in close) + "?"
    if not pool:
        return ""
    listed = ", ".join(pool[:12]) + (" …" if len(pool) > 12 else "")
    return f"可用的有 known: {listed}"


class RongcuoError(Exception):
    """Base class of the errors rongcuo raises on purpose."""


class InputError(RongcuoError):
    """An input file is wrong; ``diagnostics`` says where and why."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__(format_diagnostics(self.diagnostics))


class RulesetError(InputError):
    """A ruleset has errors."""


class CaseError(InputError):
    """A case file has errors."""


class RulesetNotFound(RongcuoError):
    """No ruleset by that id, or no version of it in force on the date asked."""


class EngineError(RongcuoError):
    """The rule engine failed on a valid input; the message names the stage and the rule."""
