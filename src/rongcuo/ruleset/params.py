"""Named ruleset parameters: read them, merge them along ``extends``, and put their values in.

A ruleset file declares ``parameters:`` (a threshold, a time limit in working days, a period in
months, each with its clause) and refers to one where a constant goes, as ``{param: id}``: in a
comparison (``{fact: loss_yuan, ge: {param: major_loss_yuan}}``) and in a procedure step's time
limit (``working_days: {param: investigate_days}``). A ruleset extending it may give a
parameter another value (same id, ``replaces: true``, same type).

The loader keeps each reference as a :class:`~rongcuo.ruleset.model.ParamRef`. When the chain
is merged (:func:`rongcuo.ruleset.library.merge`), :class:`Resolver` replaces every one by the
parameter's effective value, so that evaluators, the compiler and memos see plain constants; the
name stays beside the value (``Compare.param``, ``TimeLimit.working_days_param``) for views that
say which parameter a value came from. Every reference, whatever it stands in, is looked up by
:meth:`Resolver.value`, the one place that knows what fits where.

Codes: RC150 unknown parameter · RC151 a parameter of the wrong type for where it is used ·
RC152 a value that does not fit the parameter's type · RC153 an id repeated in one file ·
RC154 an inherited id declared again without ``replaces: true`` · RC155 ``replaces: true`` with
nothing to replace · RC156 an override that changes the type · RC157 no citation (warning).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from rongcuo.errors import Diagnostic, DocPath, Location, did_you_mean
from rongcuo.ruleset.model import (
    PARAM_TYPES,
    Citation,
    Compare,
    FactDecl,
    Parameter,
    ParamRef,
    ParamType,
    ProcedureStep,
    Rule,
    Ruleset,
    RulesetFile,
    TimeLimit,
)
from rongcuo.ruleset.reader import Reader, describe

#: How each parameter type is named in messages (Chinese, English).
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "number": ("数字", "a number"),
    "working_days": ("工作日数", "a count of working days"),
    "months": ("月数", "a count of months"),
}
_KEYS = ("id", "label", "type", "value")
_OPTIONAL = ("cite", "replaces", "note")


# --- reading ---------------------------------------------------------------------------------


def read_ref(r: Reader, value: dict[str, Any], path: DocPath) -> ParamRef | None:
    """``{param: NAME}`` written where a constant goes, as a located :class:`ParamRef`."""
    if r.mapping(value, path, ("param",)) is None:
        return None
    name = r.ident(value, "param", path)
    return ParamRef(name, r.loc((*path, "param"))) if name else None


def read_parameter(
    r: Reader,
    raw: Any,
    path: DocPath,
    ruleset_id: str,
    citation: Callable[[Any, DocPath], Citation | None],
) -> Parameter | None:
    """One entry of ``parameters:``; ``None`` (with diagnostics) when it cannot be used."""
    m = r.mapping(raw, path, _KEYS, _OPTIONAL)
    if m is None:
        return None
    ptype = r.text(m, "type", path)
    if ptype and ptype not in PARAM_TYPES:
        r.report(
            "RC005",
            (*path, "type"),
            f"参数类型 {ptype!r} 不存在，可用：{'、'.join(PARAM_TYPES)}",
            f"unknown parameter type {ptype!r}; known: {', '.join(PARAM_TYPES)}",
            did_you_mean(ptype, PARAM_TYPES),
        )
        return None
    value = _value(r, m.get("value"), (*path, "value"), ptype) if "value" in m else None
    if value is None or not ptype:
        return None
    return Parameter(
        id=r.ident(m, "id", path),
        label=r.text(m, "label", path),
        type=ptype,  # checked against PARAM_TYPES above
        value=value,
        cite=citation(m["cite"], (*path, "cite")) if m.get("cite") is not None else None,
        replaces=r.boolean(m, "replaces", path, False),
        ruleset=ruleset_id,
        src=r.loc(path),
    )


def _value(r: Reader, value: Any, path: DocPath, ptype: str) -> int | float | None:
    """The value if it fits ``ptype`` (RC152 if not; RC124 / RC125 for a number no double
    holds): a number is any finite number, a count of days or months a whole number >= 0."""
    if value is None:
        return None  # reported by the mapping check (RC004)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if ptype == "number" and is_number:
        return value if r.usable_number(value, path) else None
    if ptype != "number" and is_number and isinstance(value, int) and value >= 0:
        return value if r.usable_number(value, path) else None
    zh, en = TYPE_NAMES.get(ptype, ("数字", "a number"))
    fzh, fen = describe(value)
    whole = ptype != "number"
    r.report(
        "RC152",
        path,
        f"参数的类型是{zh}（{ptype}），值应为{'非负整数' if whole else '数字'}，实际是{fzh}",
        f"the parameter is {en} ({ptype}): its value must be "
        f"{'a whole number of at least 0' if whole else 'a number'} (got {fen})",
        "例如 e.g. value: 15" if whole else "例如 e.g. value: 500000（不加引号 unquoted）",
    )
    return None


# --- merging along extends -----------------------------------------------------------------


def merge_parameters(chain: list[RulesetFile]) -> tuple[dict[str, Parameter], list[Diagnostic]]:
    """The effective parameters of a base-first chain: each file's own, and its overrides of
    inherited ones (``replaces: true``, the same type)."""
    table: dict[str, Parameter] = {}
    diags: list[Diagnostic] = []
    for f in chain:
        own: dict[str, Parameter] = {}
        for p in f.parameters:
            if p.id in own:
                diags.append(
                    Diagnostic(
                        "RC153",
                        p.src,
                        f"参数 id {p.id!r} 在本文件中重复（首次在 {own[p.id].src}）",
                        f"parameter id {p.id!r} is repeated in this file (first at {own[p.id].src})",
                        "换一个 id，或删除重复的一项 use another id or drop the repeat",
                    )
                )
                continue
            own[p.id] = p
            prev = table.get(p.id)
            if prev is not None and not p.replaces:
                diags.append(
                    Diagnostic(
                        "RC154",
                        p.src,
                        f"参数 {p.id!r} 已由 {prev.ruleset} 声明（{prev.src}）",
                        f"parameter {p.id!r} is already declared by {prev.ruleset} ({prev.src})",
                        "要改用本地的值，加上 `replaces: true`；否则换一个 id "
                        "add `replaces: true` to give the inherited parameter this value, "
                        "or use another id",
                    )
                )
                continue
            if prev is None and p.replaces:
                diags.append(
                    Diagnostic(
                        "RC155",
                        p.src,
                        f"参数 {p.id!r} 写了 replaces: true，但没有可替换的继承参数",
                        f"parameter {p.id!r} says replaces: true but inherits no parameter of "
                        "that id",
                        did_you_mean(p.id, table) or "删除 replaces remove `replaces`",
                    )
                )
                continue
            if prev is not None and prev.type != p.type:
                diags.append(
                    Diagnostic(
                        "RC156",
                        p.src,
                        f"参数 {p.id!r} 继承时的类型是 {prev.type}（{prev.src}），替换时不能改为 "
                        f"{p.type}",
                        f"parameter {p.id!r} is {prev.type} where it is inherited from "
                        f"({prev.src}); an override cannot make it {p.type}",
                        f"写 write type: {prev.type}，或另用一个 id 声明新参数 "
                        "or declare a new parameter under another id",
                    )
                )
                continue
            table[p.id] = p
    return table, diags


# --- putting the values in -------------------------------------------------------------------


class Resolver:
    """Replaces every ``{param: …}`` of an effective ruleset's parts by its value, collecting
    what does not resolve (RC150, RC151). Parts without a reference are returned as they are."""

    def __init__(self, parameters: Mapping[str, Parameter], facts: Mapping[str, FactDecl]) -> None:
        self.parameters = parameters
        self.facts = facts
        self.diags: list[Diagnostic] = []

    def value(self, ref: ParamRef, want: ParamType, where: tuple[str, str]) -> int | float | None:
        """The effective value of ``ref``, which stands where a ``want`` parameter goes
        (``where``: that place, in Chinese and English); ``None`` with a diagnostic when there
        is no such parameter (RC150) or it is of another type (RC151).

        Every reference goes through here (comparisons, time limits, and whatever refers to
        parameters later), so that what may stand where is decided in one place."""
        param = self.parameters.get(ref)
        src = ref.src
        if param is None:
            self.diags.append(
                Diagnostic(
                    "RC150",
                    src,
                    f"参数 {str(ref)!r} 未声明",
                    f"parameter {str(ref)!r} is not declared",
                    did_you_mean(ref, self.parameters)
                    or "在 parameters 中声明它 declare it under `parameters:`",
                )
            )
            return None
        if param.type != want:
            have_zh, have_en = TYPE_NAMES[param.type]
            want_zh, want_en = TYPE_NAMES[want]
            self.diags.append(
                Diagnostic(
                    "RC151",
                    src,
                    f"参数 {param.id} 是{have_zh}（{param.type}），{where[0]}需要{want_zh}（{want}）"
                    "参数",
                    f"parameter {param.id} is {have_en} ({param.type}); {where[1]} takes "
                    f"{want_en} ({want})",
                    f"改用 {want} 类型的参数 refer to a {want} parameter"
                    + (f"：{', '.join(ok)}" if (ok := self._of_type(want)) else ""),
                )
            )
            return None
        return param.value

    def _of_type(self, want: ParamType) -> list[str]:
        return sorted(p.id for p in self.parameters.values() if p.type == want)

    # --- the parts of a ruleset that hold references -------------------------------------

    def rules(self, rules: dict[str, Rule]) -> dict[str, Rule]:
        """Every rule with its condition's references resolved."""
        return {rid: self.rule(rule) for rid, rule in rules.items()}

    def rule(self, rule: Rule) -> Rule:
        if rule.when is None:
            return rule
        when = self._node(rule.when)
        return rule if when is rule.when else dataclasses.replace(rule, when=when)

    def fact_decls(self, facts: dict[str, FactDecl]) -> dict[str, FactDecl]:
        """Every fact with its presumptions' references resolved (a presumed value, and the
        comparisons of a presumption's ``when``)."""
        return {fid: self.fact(decl) for fid, decl in facts.items()}

    def fact(self, decl: FactDecl) -> FactDecl:
        presume = decl.presume
        if not presume:
            return decl
        out = []
        for entry in presume:
            new = self._node(entry)
            value = getattr(new, "value", None)
            if isinstance(value, ParamRef):
                resolved = self._compared(value, decl, presumed=True)
                if resolved is not None:
                    new = dataclasses.replace(new, value=resolved)
            out.append(new)
        if all(a is b for a, b in zip(out, presume, strict=True)):
            return decl
        return dataclasses.replace(decl, presume=tuple(out))

    def procedure(self, steps: tuple[ProcedureStep, ...]) -> tuple[ProcedureStep, ...]:
        """The steps with their time limits' references resolved."""
        out = tuple(self.step(step) for step in steps)
        return steps if all(a is b for a, b in zip(out, steps, strict=True)) else out

    def step(self, step: ProcedureStep) -> ProcedureStep:
        limit = step.time_limit
        refs = (limit.working_days_param, limit.extendable_by_param) if limit else ()
        if limit is None or not any(isinstance(ref, ParamRef) for ref in refs):
            return step
        days, extra = limit.working_days, limit.extendable_by
        where = (f"程序步骤 {step.id} 的期限", f"the time limit of procedure step {step.id}")
        if isinstance(limit.working_days_param, ParamRef):
            days = int(self.value(limit.working_days_param, "working_days", where) or 0)
        if isinstance(limit.extendable_by_param, ParamRef):
            extra = int(self.value(limit.extendable_by_param, "working_days", where) or 0)
        resolved = TimeLimit(
            days,
            extra,
            limit.starts,
            limit.anchor,
            working_days_param=str(limit.working_days_param),
            extendable_by_param=str(limit.extendable_by_param),
        )
        return dataclasses.replace(step, time_limit=resolved)

    # --- conditions ------------------------------------------------------------------------

    def _node(self, node: Any) -> Any:
        """``node`` (a condition, or a presumption holding one) with the values of its
        comparisons resolved; the node itself when nothing in it refers to a parameter. Walks
        every dataclass field, so a condition form added later is covered without a change
        here."""
        if isinstance(node, Compare):
            return self._compare(node)
        if not dataclasses.is_dataclass(node) or isinstance(node, Location | type):
            return node
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(node):
            if not f.init:
                continue
            old = getattr(node, f.name)
            if isinstance(old, tuple):
                new: Any = tuple(self._node(item) for item in old)
                if all(a is b for a, b in zip(new, old, strict=True)):
                    new = old
            else:
                new = self._node(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(node, **changes) if changes else node

    def _compare(self, node: Compare) -> Compare:
        values = node.value if isinstance(node.value, tuple) else (node.value,)
        if not any(isinstance(v, ParamRef) for v in values):
            return node
        decl = self.facts.get(node.fact)
        resolved: list[Any] = []
        for v in values:
            if isinstance(v, ParamRef):
                found = self._compared(v, decl)
                # an unresolved reference is reported; 0 only keeps the shape until merge fails
                resolved.append(0 if found is None else found)
            else:
                resolved.append(v)
        names = tuple(str(v) if isinstance(v, ParamRef) else "" for v in values)
        if isinstance(node.value, tuple):
            return dataclasses.replace(node, value=tuple(resolved), param=names)
        return dataclasses.replace(node, value=resolved[0], param=names[0])

    def _compared(
        self, ref: ParamRef, decl: FactDecl | None, *, presumed: bool = False
    ) -> int | float | None:
        """A parameter compared with the fact ``decl`` (or its presumed value): a number
        parameter, and the fact a number fact (an undeclared fact is the checker's RC102)."""
        where = ("推定值", "a presumed value") if presumed else ("比较", "a comparison")
        value = self.value(ref, "number", where)
        if value is not None and decl is not None and decl.type != "number":
            zh = f"作为事实 {decl.id}（{decl.type}）的推定值" if presumed else ""
            en = f"be the presumed value of fact {decl.id} ({decl.type})" if presumed else ""
            self.diags.append(
                Diagnostic(
                    "RC151",
                    ref.src,
                    f"参数 {ref!s} 是数字，不能" + (zh or f"与事实 {decl.id}（{decl.type}）比较"),
                    f"parameter {ref!s} is a number and cannot "
                    + (en or f"be compared with fact {decl.id} ({decl.type})"),
                    "数字参数只能用于数字（number）事实 number parameters go with number facts only",
                )
            )
            return None
        return value


# --- checks on the effective ruleset ---------------------------------------------------------


def check_parameters(rs: Ruleset) -> list[Diagnostic]:
    """RC157 (warning) for a parameter without a citation, RC110 for one citing a document the
    ruleset does not declare. Parameters an extending ruleset replaced are checked with it."""
    out: list[Diagnostic] = []
    for p in rs.parameters.values():
        if p.cite is None:
            out.append(
                Diagnostic(
                    "RC157",
                    p.src,
                    f"参数 {p.id} 没有引用条款（cite）",
                    f"parameter {p.id} cites no clause (cite)",
                    "加上 add cite: {doc: …, clause: …, text: …}",
                    "warning",
                )
            )
        elif p.cite.doc not in rs.documents:
            out.append(
                Diagnostic(
                    "RC110",
                    p.cite.src,
                    f"引用的文件 {p.cite.doc!r} 未在 documents 中声明",
                    f"cited document {p.cite.doc!r} is not declared in documents",
                    did_you_mean(p.cite.doc, rs.documents),
                )
            )
    return out
