"""Read one fact declaration of a ruleset file: parsed YAML → :class:`FactDecl`.

Takes the :class:`~rongcuo.ruleset.reader.Reader` of the file, its text lines (to see whether a
comment stands above the declaration), the raw entry and its path; gives the declaration with
its values, bounds, presumptions, scope and computation, or ``None``, with located diagnostics on
the reader. Whether a presumed value fits the fact is the checker's.
"""

from __future__ import annotations

from typing import Any

from rongcuo.errors import DocPath, did_you_mean
from rongcuo.ruleset.load_conditions import read_cond, read_scalar
from rongcuo.ruleset.model import (
    ALLEGATION_FACTS,
    COMPUTED_FACTS,
    FactDecl,
    FactType,
    FactValue,
    Presumption,
)
from rongcuo.ruleset.reader import Reader

FACT_TYPES: tuple[FactType, ...] = ("bool", "number", "enum", "date", "text")
_FACT_KEYS = (
    "values",
    "min",
    "max",
    "unit",
    "looks",
    "question",
    "multiple",
    "presume",
    "presume_reason",
    "replaces",
    "scope",
    "computed",
)


def read_fact(r: Reader, raw: Any, path: DocPath, lines: list[str]) -> FactDecl | None:
    """The fact declared at ``path``; ``lines`` is the file's text."""
    m = r.mapping(raw, path, ("id", "type", "label"), _FACT_KEYS)
    if m is None:
        return None
    ftype = r.text(m, "type", path)
    if ftype and ftype not in FACT_TYPES:
        r.report(
            "RC005",
            (*path, "type"),
            f"事实类型 {ftype!r} 不存在",
            f"unknown fact type {ftype!r}",
            did_you_mean(ftype, FACT_TYPES),
        )
        return None
    values = _enum_values(r, m, path, ftype)
    minimum, maximum = _bounds(r, m, path, ftype)
    multiple = r.boolean(m, "multiple", path, False)
    if multiple and ftype != "enum":
        r.report(
            "RC003",
            (*path, "multiple"),
            f"只有枚举（enum）事实可以 `multiple: true`，此事实类型为 {ftype}",
            f"only enum facts can be `multiple: true`; this fact is {ftype}",
            key=True,
        )
    return FactDecl(
        id=r.ident(m, "id", path),
        type=ftype,  # type: ignore[arg-type]  # checked against FACT_TYPES above
        label=r.text(m, "label", path),
        values=tuple(values),
        minimum=minimum,
        maximum=maximum,
        unit=r.text(m, "unit", path),
        looks=tuple(name for name, _ in r.text_list(m, "looks", path)),
        question=r.text(m, "question", path),
        multiple=multiple,
        presume=_presumption(r, m, path, multiple),
        replaces=r.boolean(m, "replaces", path, False),
        commented=_comment_above(lines, r.loc(path).line),
        src=r.loc(path),
        scope=_fact_scope(r, m, path),
        computed=_computed(r, m, path, ftype),
    )


def _enum_values(r: Reader, m: dict[str, Any], path: DocPath, ftype: str) -> list[tuple[str, str]]:
    """An enum fact's ``values`` (value → Chinese label), which no other type may have."""
    values: list[tuple[str, str]] = []
    raw_values = m.get("values")
    if ftype == "enum":
        if not isinstance(raw_values, dict) or not raw_values:
            r.report(
                "RC004",
                (*path, "values") if "values" in m else path,
                "枚举事实需要 `values`：取值 → 中文名称",
                "an enum fact needs `values`: a mapping value → Chinese label",
                "例如 e.g. values: {public: 出于公心, private_gain: 谋取私利}",
            )
        else:
            for key, label in raw_values.items():
                vpath = (*path, "values", key)
                if not isinstance(key, str) or not isinstance(label, str):
                    r.wrong_type(vpath, "text", label if isinstance(key, str) else key)
                    continue
                values.append((key, label))
    elif raw_values is not None:
        r.report(
            "RC003",
            (*path, "values"),
            f"只有枚举（enum）事实可以有 `values`，此事实类型为 {ftype}",
            f"only enum facts take `values`; this fact is {ftype}",
            "删除 `values` 或把类型改为 enum remove `values` or make the type enum",
            key=True,
        )
    return values


def _bounds(
    r: Reader, m: dict[str, Any], path: DocPath, ftype: str
) -> tuple[float | None, float | None]:
    """A number fact's ``min`` and ``max``, which no other type may have."""
    minimum = r.number(m, "min", path)
    maximum = r.number(m, "max", path)
    if ftype != "number" and (minimum is not None or maximum is not None):
        r.report(
            "RC003",
            path,
            "只有数字（number）事实可以有 `min` / `max`",
            "only number facts take `min` / `max`",
            key=True,
        )
    if minimum is not None and maximum is not None and maximum < minimum:
        r.report("RC114", (*path, "max"), "max 小于 min", "max is below min")
    return minimum, maximum


def _fact_scope(r: Reader, m: dict[str, Any], path: DocPath) -> str:
    """``scope: allegation`` (a fact of each allegation) or nothing (a fact of the case)."""
    scope = r.text(m, "scope", path)
    if scope and scope != "allegation":
        r.report(
            "RC111",
            (*path, "scope"),
            f"事实的范围 {scope!r} 不存在：只能是 allegation（每项举报问题的事实）",
            f"unknown fact scope {scope!r}: the only scope is allegation",
            did_you_mean(scope, ("allegation",)),
        )
        return ""
    if scope and m.get("id") not in ALLEGATION_FACTS.values():
        r.report(
            "RC111",
            (*path, "id"),
            f"举报问题的事实只能是：{'、'.join(ALLEGATION_FACTS.values())}"
            "（案件文件 allegations 各字段对应的事实）",
            "an allegation fact is one of "
            + ", ".join(ALLEGATION_FACTS.values())
            + " (what each field of an allegation in a case file is read as)",
            did_you_mean(str(m.get("id")), tuple(ALLEGATION_FACTS.values())),
        )
        return ""
    return scope


def _computed(r: Reader, m: dict[str, Any], path: DocPath, ftype: str) -> str:
    """``computed: NAME``: a fact the engine computes from the case file (never stated)."""
    name = r.text(m, "computed", path)
    if not name:
        return ""
    if name not in COMPUTED_FACTS:
        r.report(
            "RC111",
            (*path, "computed"),
            f"没有名为 {name!r} 的计算事实；可用：{'、'.join(COMPUTED_FACTS)}",
            f"no computed fact is named {name!r}; known: {', '.join(COMPUTED_FACTS)}",
            did_you_mean(name, COMPUTED_FACTS),
        )
        return ""
    if ftype != "bool" or "presume" in m:
        r.report(
            "RC005",
            (*path, "computed"),
            "计算事实应为 bool 类型，且不能有推定",
            "a computed fact is a bool and takes no presumption",
        )
        return ""
    return name


def _comment_above(lines: list[str], line: int) -> bool:
    """Whether the lines just above ``line`` (1-based; blank ones skipped) are a comment."""
    i = line - 2
    while 0 <= i < len(lines) and not lines[i].strip():
        i -= 1
    return 0 <= i < len(lines) and lines[i].lstrip().startswith("#")


def _presumption(
    r: Reader, m: dict[str, Any], path: DocPath, multiple: bool
) -> tuple[Presumption, ...]:
    """``presume: <value>`` with ``presume_reason``, or ``presume:`` a list of
    ``{when?, value, reason}`` tried in order (catalogue §6.5). Whether each value fits the
    fact is the checker's (RC140)."""
    if "presume" not in m:
        if "presume_reason" in m:
            r.report(
                "RC004",
                path,
                "写了 `presume_reason` 却没有 `presume`",
                "`presume_reason` is given without `presume`",
                "加上 add `presume: <推定值>`，或删除 presume_reason",
            )
        return ()
    raw = m["presume"]
    ppath = (*path, "presume")
    if isinstance(raw, list):
        return _presumption_list(r, m, path, raw, multiple)
    if "presume_reason" not in m:
        r.report(
            "RC004",
            path,
            "推定值需要说明理由 `presume_reason`（中文，显示在认定结论和文书中）",
            "a presumption needs its `presume_reason` (Chinese; decisions and memos show it)",
            "例如 e.g. presume_reason: 案件材料未载明存在串通，按不存在认定",
        )
        return ()
    value = _presumed_value(r, raw, ppath, multiple)
    reason = r.text(m, "presume_reason", path)
    return () if value is None else (Presumption(value, reason, None, r.loc(ppath)),)


def _presumption_list(
    r: Reader, m: dict[str, Any], path: DocPath, raw: list[Any], multiple: bool
) -> tuple[Presumption, ...]:
    """``presume:`` as a list of ``{when?, value, reason}``, each with its own reason."""
    ppath = (*path, "presume")
    if "presume_reason" in m:
        r.report(
            "RC003",
            (*path, "presume_reason"),
            "`presume` 是列表时，每一项写自己的 `reason`",
            "when `presume` is a list, each entry has its own `reason`",
            key=True,
        )
    if not raw:
        r.report("RC005", ppath, "`presume` 的列表不能为空", "`presume` needs at least one entry")
        return ()
    out = []
    for i, item in enumerate(raw):
        ipath = (*ppath, i)
        e = r.mapping(item, ipath, ("value", "reason"), ("when",))
        if e is None:
            continue
        when = read_cond(r, e["when"], (*ipath, "when")) if "when" in e else None
        value = _presumed_value(r, e["value"], (*ipath, "value"), multiple)
        reason = r.text(e, "reason", ipath)
        if value is None or ("when" in e and when is None):
            continue
        out.append(Presumption(value, reason, when, r.loc(ipath)))
    return tuple(out)


def _presumed_value(r: Reader, raw: Any, path: DocPath, multiple: bool) -> FactValue | None:
    """A presumed value: one value, or a list of enum keys for a ``multiple`` fact."""
    if multiple and isinstance(raw, list):
        keys = []
        for i, item in enumerate(raw):
            if not isinstance(item, str):
                r.wrong_type((*path, i), "text", item)
                return None
            keys.append(item)
        return frozenset(keys)
    return read_scalar(r, raw, path)
