"""Read one condition of a ruleset file: parsed YAML → :data:`~rongcuo.ruleset.model.Cond`.

Takes the :class:`~rongcuo.ruleset.reader.Reader` of the file, the raw value and its path; gives
the condition tree (all / any / not / established, fact comparisons and ``known``, rule and kind
references, claims), or ``None`` with located diagnostics on the reader. Shape only: whether a
fact or rule is declared is the checker's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from rongcuo.errors import DocPath, Location, did_you_mean
from rongcuo.ruleset.model import (
    AGGREGATE_KINDS,
    AllOf,
    AnyOf,
    Claimed,
    CmpOp,
    Compare,
    Cond,
    Established,
    FactValue,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleKind,
    RuleRef,
)
from rongcuo.ruleset.params import read_ref
from rongcuo.ruleset.reader import Reader, date_hint

CMP_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains")
#: Levels of all / any / not in one condition (the leaf counts as one). The bundled rulesets'
#: deepest is 5; the checker, the compiler and both evaluators walk conditions recursively, and
#: ~450 levels was an internal RecursionError of ``check``.
MAX_CONDITION_DEPTH = 32
COND_FORMS = (
    "all",
    "any",
    "not",
    "established",
    "fact",
    "rule",
    "any_rule",
    "all_rules",
    "claimed",
)


def read_cond(r: Reader, raw: Any, path: DocPath, depth: int = 1) -> Cond | None:
    """The condition written at ``path`` (``depth`` levels down its rule's ``when``)."""
    form = _form(r, raw, path, depth)
    if form is None:
        return None
    loc = r.loc(path)
    if form in ("all", "any", "not", "established"):
        return _nested(r, raw, path, form, depth, loc)
    if form in ("rule", "claimed", "any_rule", "all_rules"):
        return _reference(r, raw, path, form, loc)
    return _fact_cond(r, raw, path, loc)


def _form(r: Reader, raw: Any, path: DocPath, depth: int) -> str | None:
    """The one form a condition is written in, or ``None`` (reported) when it nests too deep,
    is not a mapping, or has no form or more than one."""
    if depth > MAX_CONDITION_DEPTH:
        r.report(
            "RC132",
            path,
            f"条件嵌套超过 {MAX_CONDITION_DEPTH} 层（all / any / not）",
            f"the condition nests more than {MAX_CONDITION_DEPTH} levels deep (all / any / not)",
            "把内层的条件写成中间规则，再用 {rule: …} 引用 "
            "make the inner part an intermediate rule and read it with {rule: …}",
        )
        return None
    if not isinstance(raw, dict):
        r.wrong_type(
            path,
            "mapping",
            raw,
            "条件写作 a condition is one of: all / any / not / fact / rule / any_rule / "
            "all_rules / claimed",
        )
        return None
    forms = [k for k in raw if k in COND_FORMS]
    if len(forms) == 1:
        return str(forms[0])
    unknown = [k for k in raw if k not in COND_FORMS and k not in (*CMP_OPS, "known")]
    if forms:
        r.report(
            "RC005",
            path,
            f"一个条件只能有一种写法，这里同时有 {', '.join(forms)}",
            f"a condition has exactly one form; found {', '.join(forms)}",
            "用 all: [...] 把它们组合起来 combine them under all: [...]",
        )
    else:
        name = str(unknown[0]) if unknown else ""
        r.report(
            "RC003",
            (*path, name) if name else path,
            f"无法识别的条件写法 {name!r}" if name else "条件缺少写法",
            f"unrecognised condition form {name!r}" if name else "empty condition",
            did_you_mean(name, COND_FORMS),
            key=bool(name),
        )
    return None


def _nested(
    r: Reader, raw: dict[str, Any], path: DocPath, form: str, depth: int, loc: Location
) -> Cond | None:
    """``all`` / ``any`` of a list of conditions, or ``not`` / ``established`` of one."""
    if form in ("all", "any"):
        r.mapping(raw, path, (form,))
        items = r.list_of(raw[form], (*path, form))
        if not items:
            r.report(
                "RC005",
                (*path, form),
                f"`{form}` 的列表不能为空",
                f"`{form}` needs at least one condition",
            )
            return None
        parsed = [read_cond(r, item, (*path, form, i), depth + 1) for i, item in enumerate(items)]
        if any(p is None for p in parsed):
            return None
        conds = tuple(p for p in parsed if p is not None)
        return AllOf(conds, loc) if form == "all" else AnyOf(conds, loc)
    r.mapping(raw, path, (form,))
    inner = read_cond(r, raw[form], (*path, form), depth + 1)
    if inner is None:
        return None
    return Not(inner, loc) if form == "not" else Established(inner, loc)


def _reference(
    r: Reader, raw: dict[str, Any], path: DocPath, form: str, loc: Location
) -> Cond | None:
    """``rule: ID``, ``claimed: ID``, or ``any_rule`` / ``all_rules`` of a kind."""
    if form in ("rule", "claimed"):
        r.mapping(raw, path, (form,))
        name = r.ident(raw, form, path)
        if not name:
            return None
        return RuleRef(name, loc) if form == "rule" else Claimed(name, loc)
    r.mapping(raw, path, (form,))
    kind = r.text(raw, form, path)
    if kind not in AGGREGATE_KINDS:
        r.report(
            "RC111",
            (*path, form),
            f"`{form}` 只能汇总这些种类：{', '.join(AGGREGATE_KINDS)}；实际是 {kind!r}",
            f"`{form}` ranges over one of {', '.join(AGGREGATE_KINDS)} (got {kind!r})",
            did_you_mean(kind, AGGREGATE_KINDS),
        )
        return None
    agg: RuleKind = kind  # narrowed by the membership test above
    return KindRef(agg, "any" if form == "any_rule" else "all", loc)


def _fact_cond(r: Reader, raw: dict[str, Any], path: DocPath, loc: Location) -> Cond | None:
    """A condition on one fact, ``stated: true`` read as "and the value was not presumed"."""
    ops = [k for k in raw if k in (*CMP_OPS, "known")]
    r.mapping(raw, path, ("fact",), (*CMP_OPS, "known", "stated"))
    fact = r.ident(raw, "fact", path)
    stated = r.boolean(raw, "stated", path, False)
    if stated and ops and ops[0] == "known":
        r.report(
            "RC005",
            (*path, "stated"),
            "`stated` 只能用于比较，不能与 `known` 同用",
            "`stated` applies to a comparison, not to `known`",
            key=True,
        )
        return None
    leaf = _fact_leaf(r, raw, path, fact, ops)
    if leaf is None or not stated:
        return leaf
    # A presumed value establishes nothing here (catalogue §6.6): the comparison holds only
    # on a value the case file states.
    return AllOf((Not(Presumed(fact, loc), loc), leaf), loc)


def _fact_leaf(
    r: Reader, raw: dict[str, Any], path: DocPath, fact: str, ops: list[str]
) -> Cond | None:
    """A comparison or ``known`` test on one fact."""
    loc = r.loc(path)
    if len(ops) != 1:
        r.report(
            "RC004" if not ops else "RC005",
            path,
            "事实条件需要且只能有一个比较：eq / ne / lt / le / gt / ge / in / not_in / "
            "contains / known" + (f"（这里有 {', '.join(ops)}）" if ops else ""),
            "a fact condition needs exactly one comparison: eq / ne / lt / le / gt / ge / "
            "in / not_in / contains / known" + (f" (found {', '.join(ops)})" if ops else ""),
            "例如 e.g. {fact: motive, eq: public}",
        )
        return None
    op = cast(CmpOp, ops[0]) if ops[0] != "known" else "known"
    value = raw[op]
    vpath = (*path, op)
    if op == "known":
        if not isinstance(value, bool):
            r.wrong_type(vpath, "bool", value)
            return None
        return Known(fact, value, loc) if fact else None
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            r.report(
                "RC005",
                vpath,
                f"`{op}` 需要一个非空列表",
                f"`{op}` needs a non-empty list",
                f"例如 e.g. {{fact: work_area, {op}: [reform_pilot, legacy_problem]}}",
            )
            return None
        vals: list[FactValue] = []
        for i, v in enumerate(value):
            checked = read_scalar(r, v, (*vpath, i))
            if checked is None:
                return None
            vals.append(checked)
        return Compare(fact, op, tuple(vals), loc) if fact else None
    scalar = read_scalar(r, value, vpath)
    if scalar is None or not fact:
        return None
    return Compare(fact, op, scalar, loc)


def read_scalar(r: Reader, value: Any, path: DocPath) -> FactValue | None:
    """One value a condition compares with or a presumption gives: a number, text, a date,
    true/false, or ``{param: NAME}``; ``None`` (reported) for anything else."""
    if isinstance(value, dt.datetime):  # a date fact holds a day; a time would be cut off
        r.wrong_type(path, "date", value, date_hint(value))
        return None
    if isinstance(value, bool | str | dt.date):
        return value
    if isinstance(value, int | float):
        return value if r.usable_number(value, path) else None
    if isinstance(value, dict) and "param" in value:
        # a ParamRef (a str) until merge puts the parameter's value in (rongcuo.ruleset.params)
        return read_ref(r, value, path)
    r.report(
        "RC005",
        path,
        "比较的值必须是一个数字、文字、日期或 true/false",
        "a compared value must be a number, text, date or true/false",
        f"实际是 got {type(value).__name__}",
    )
    return None
