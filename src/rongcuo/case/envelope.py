"""Read a case file and check its envelope: YAML or JSON → :class:`~rongcuo.case.contract.Case`.

Takes a path (or data already loaded, with where it came from); gives the validated case and
its :class:`CaseSource`, or raises :class:`~rongcuo.errors.CaseError` with each error pydantic
found as a located, bilingual diagnostic. What the facts say is checked against a ruleset
later, in :mod:`rongcuo.case.file`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rongcuo.case.contract import (
    SANCTION_KINDS,
    Allegation,
    Cadre,
    Case,
    Correction,
    Evidence,
    ProcedureDates,
    Reporter,
    Sanction,
)
from rongcuo.errors import CaseError, Diagnostic, DocPath, Location, did_you_mean
from rongcuo.ruleset.document import Positions, load_document
from rongcuo.ruleset.reader import DATE_HINT, date_hint, describe


@dataclass(frozen=True)
class CaseSource:
    """Where a case came from, to locate errors in it."""

    name: str
    positions: Positions | None = None

    def at(self, path: DocPath, *, key: bool = False) -> Location:
        """Where the value (or, with ``key``, the key) at ``path`` stands in the file."""
        if self.positions is None:
            return Location(self.name, 0, 0, path)
        return self.positions.at(path, key=key)


_FIELDS = tuple(Case.model_fields)


def load_case(path: Path | str) -> tuple[Case, CaseSource]:
    """Read and validate a case file's envelope; raises :class:`CaseError` with every problem."""
    p = Path(path)
    loaded, diags = load_document(p)
    if loaded is None or diags:
        raise CaseError(diags)
    source = CaseSource(loaded.positions.file, loaded.positions)
    return parse_case(loaded.data, source), source


def parse_case(data: Any, source: CaseSource) -> Case:
    """Validate already-loaded data as a case; raises :class:`CaseError`."""
    if not isinstance(data, dict):
        zh, en = describe(data)
        raise CaseError(
            [
                Diagnostic(
                    "RC201",
                    source.at(()),
                    f"案件文件应是一个映射（键: 值），实际是{zh}",
                    f"a case file must be a mapping (key: value), got {en}",
                    "参见 see examples/ 与 `rongcuo schema case`",
                )
            ]
        )
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        errors = []
        seen_facts: set[object] = set()
        one_sanction = isinstance(data.get("sanction"), dict)
        for e in exc.errors():
            loc = tuple(e["loc"])
            if one_sanction and loc[:2] == ("sanction", 0):
                # ``sanction:`` written as one mapping is read as a list of one: locate the
                # error in the mapping the file has
                loc = ("sanction", *loc[2:])
                e = {**e, "loc": loc}
            if loc[:1] == ("facts",) and len(loc) >= 2:
                # pydantic reports each member of the value union; one error per fact is enough
                if loc[1] in seen_facts:
                    continue
                seen_facts.add(loc[1])
            errors.append(from_pydantic(e, source))
        raise CaseError(errors) from None


def describe_items(items: Any) -> str:
    """What a list holds that is not text, as a message says it."""
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, str):
            return describe(item)[0]
    return "非文字的值"


def from_pydantic(err: Mapping[str, Any], source: CaseSource) -> Diagnostic:
    """One error pydantic found in a case file's envelope, as a located diagnostic."""
    path: DocPath = tuple(err["loc"])
    where = ".".join(str(p) for p in path) or "case"
    found = describe(err.get("input"))
    return (
        _field_error(err, source, path, where)
        or _shape_error(err, source, path, where, found)
        or _value_error(err, source, path, where, found)
        or Diagnostic(
            "RC005",
            source.at(path),
            f"{where}：{err['msg']}（实际是{found[0]}）",
            f"{where}: {err['msg']} (got {found[1]})",
        )
    )


def _field_error(
    err: Mapping[str, Any], source: CaseSource, path: DocPath, where: str
) -> Diagnostic | None:
    """A required field missing (RC004) or a field the contract does not have (RC003)."""
    kind = err["type"]
    if kind == "missing":
        return Diagnostic(
            "RC004",
            source.at(path[:-1]),
            f"缺少必填字段 {where!r}",
            f"missing required field {where!r}",
            f"加上 add `{path[-1]}: …`",
        )
    if kind == "extra_forbidden":
        models: dict[str, type[BaseModel]] = {
            "cadre": Cadre,
            "evidence": Evidence,
            "procedure": ProcedureDates,
            "corrections": Correction,
            "allegations": Allegation,
            "sanction": Sanction,
        }
        nested = models.get(str(path[0]))
        if path[:1] == ("allegations",) and "reporter" in path[2:3] and len(path) > 3:
            nested = Reporter
        parent = tuple(nested.model_fields) if len(path) > 1 and nested else _FIELDS
        return Diagnostic(
            "RC003",
            source.at(path, key=True),
            f"未知字段 {where!r}",
            f"unknown field {where!r}",
            did_you_mean(str(path[-1]), parent),
        )
    return None


def _shape_error(
    err: Mapping[str, Any], source: CaseSource, path: DocPath, where: str, found: tuple[str, str]
) -> Diagnostic | None:
    """A field of the envelope (not a fact) that is not a date, mapping, list or true/false
    where the contract wants one (RC005)."""
    kind = err["type"]
    found_zh, found_en = found
    if kind.startswith("date") and path[:1] != ("facts",):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为日期（YYYY-MM-DD），实际是{found_zh}",
            f"{where} must be a date (YYYY-MM-DD), got {found_en}",
            date_hint(err.get("input")) if kind == "date_with_time" else DATE_HINT,
        )
    nested_model = path[:1] != ("facts",)
    if nested_model and kind in ("model_type", "dict_type", "model_attributes_type"):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为映射（键: 值），实际是{found_zh}",
            f"{where} must be a mapping (key: value), got {found_en}",
            "参见 see `rongcuo schema case`",
        )
    if nested_model and kind == "list_type":
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为列表，实际是{found_zh}",
            f"{where} must be a list, got {found_en}",
            "例如 e.g. allegations: [{id: A1, summary: …, finding: untrue}]",
        )
    if nested_model and kind in ("bool_type", "bool_parsing"):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为 true 或 false（不知道就写 unknown），实际是{found_zh}",
            f"{where} must be true or false (unknown when not established), got {found_en}",
        )
    return None


def _value_error(
    err: Mapping[str, Any], source: CaseSource, path: DocPath, where: str, found: tuple[str, str]
) -> Diagnostic | None:
    """A value not among a field's choices (RC204), blank text (RC005), or a fact's value of no
    type a fact takes (RC203)."""
    kind = err["type"]
    found_zh, found_en = found
    if kind == "literal_error" and path[:1] == ("sanction",) and path[-1] == "kind":
        kinds = list(SANCTION_KINDS)
        given = err.get("input")
        return Diagnostic(
            "RC221",
            source.at(path),
            f"{where}：处分或处理的种类 {given!r} 不存在，可用："
            + "、".join(f"{k}（{v}）" for k, v in SANCTION_KINDS.items()),
            f"{where}: no sanction kind {given!r}; known: {', '.join(kinds)}",
            (did_you_mean(given, kinds) if isinstance(given, str) else "")
            or "见 see catalogue §12 / `rongcuo schema case`",
        )
    if kind == "sanction_months":
        probation = err.get("ctx") is None
        return Diagnostic(
            "RC222",
            source.at(path),
            f"{where}：留党察看（party_probation）须写明察看期限 months（12 或 24）"
            if probation
            else f"{where}：只有留党察看（party_probation）写 months，"
            f"{err['ctx'].get('kind')} 不写",
            f"{where}: {err['msg']}",
            "例如 e.g. sanction: {kind: party_probation, decided_on: 2024-03-01, months: 12}"
            if probation
            else "删去 months remove months",
        )
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))
        return Diagnostic(
            "RC204",
            source.at(path),
            f"{where} 应为以下之一：{expected}，实际是{found_zh}",
            f"{where} must be one of "
            + ", ".join(v for v in _literal_choices(expected) if v.isascii())
            + f", got {found_en}",
            did_you_mean(str(err.get("input")), _literal_choices(expected))
            if isinstance(err.get("input"), str)
            else "",
        )
    if kind in ("string_too_short", "string_pattern_mismatch"):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 不能为空，也不能只有空格",
            f"{where} must not be empty or only spaces",
            f"写上内容 write something: {path[-1]}: …",
        )
    if path[:1] == ("facts",) and len(path) >= 2 and isinstance(err.get("input"), list):
        return Diagnostic(
            "RC203",
            source.at(path[:2]),
            f"事实 {path[1]} 的列表只能列出取值（文字），实际列表中有{describe_items(err.get('input'))}",
            f"a list for fact {path[1]} may only hold values (text)",
            "列表只用于可多选的事实，如 work_area: [reform_pilot, administrative_service] "
            "lists are for multiple facts only",
        )
    if path[:1] == ("facts",) and len(path) >= 2:
        return Diagnostic(
            "RC203",
            source.at(path[:2]),
            f"事实 {path[1]} 的值必须是 true/false、数字、文字、日期、取值列表或 unknown，"
            f"实际是{found_zh}",
            f"fact {path[1]} must be true/false, a number, text, a date, a list of values or "
            f"unknown, got {found_en}",
        )
    return None


def _literal_choices(expected: str) -> list[str]:
    """The values pydantic lists in a literal error (``'a', 'b' or 'c'``)."""
    return [v.strip(" '") for v in expected.replace(" or ", ",").split(",") if v.strip(" '")]
