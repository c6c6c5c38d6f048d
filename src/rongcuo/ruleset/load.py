"""Load one ruleset version file: YAML with positions → :class:`RulesetFile` + diagnostics.

This stage checks shape only (keys, types, id syntax). Meaning — undeclared facts, unknown rules,
cycles — is the checker's job once ``extends`` has been resolved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, cast

from rongcuo.errors import Diagnostic, DocPath, did_you_mean
from rongcuo.ruleset.document import load_document
from rongcuo.ruleset.model import (
    AGGREGATE_KINDS,
    ALLEGATION_FACTS,
    ANCHORS,
    COMPUTED_FACTS,
    LOOK_FINDINGS,
    RULE_KINDS,
    AllOf,
    AnyOf,
    Citation,
    Claimed,
    ClearingDecl,
    CmpOp,
    Compare,
    Cond,
    Constraint,
    Distinction,
    Document,
    Effect,
    Established,
    FactDecl,
    FactType,
    FactValue,
    KindRef,
    Known,
    Look,
    Named,
    Not,
    OutcomeDecl,
    Presumed,
    Presumption,
    ProcedureStep,
    Rule,
    RuleKind,
    RuleRef,
    RulesetFile,
    TimeLimit,
)
from rongcuo.ruleset.params import read_parameter, read_ref
from rongcuo.ruleset.reader import Reader, date_hint, describe

_EPOCH = dt.date(1900, 1, 1)  # stands in for a missing effective_from, which is reported
FACT_TYPES: tuple[FactType, ...] = ("bool", "number", "enum", "date", "text")
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

_TOP_REQUIRED = ("id", "title", "version", "effective_from")
_TOP_OPTIONAL = (
    "jurisdiction",
    "effective_until",
    "extends",
    "description",
    "documents",
    "facts",
    "looks",
    "distinctions",
    "outcomes",
    "rules",
    "disable",
    "procedure",
    "effects",
    "parameters",
    "constraints",
    "clearing",
)
_RULE_KEYS = (
    "id",
    "kind",
    "label",
    "when",
    "cite",
    "look",
    "finding",
    "distinction",
    "side",
    "outcome",
    "step",
    "pairs_with",
    "referral",
    "replaces",
    "note",
    "method",
    "handling",
)
# Keys each kind needs beyond id/kind/label/when/cite, and the keys it may not have.
_KIND_REQUIRES: dict[str, tuple[str, ...]] = {
    "look": ("look", "finding"),
    "distinction": ("distinction", "side"),
    "outcome": ("outcome", "step"),
    "clearing_method": ("method",),
    "reporter_handling": ("handling",),
}
_KIND_ONLY = {
    "method": "clearing_method",
    "handling": "reporter_handling",
    "look": "look",
    "finding": "look",
    "distinction": "distinction",
    "side": "distinction",
    "outcome": "outcome",
    "step": "outcome",
    "pairs_with": "precondition",
    "referral": "situation",
}


def load_ruleset_file(
    path: Path, display: str | None = None
) -> tuple[RulesetFile | None, list[Diagnostic]]:
    """Parse one ruleset version file. Returns ``None`` with diagnostics when it cannot be used."""
    loaded, diags = load_document(path, display)
    if loaded is None:
        return None, diags
    r = Reader(loaded.positions)
    r.diags.extend(diags)
    parser = _RulesetParser(r)
    parser.lines = loaded.raw.decode("utf-8", errors="replace").splitlines()
    parsed = parser.parse(loaded.data, hashlib.sha256(loaded.raw).hexdigest())
    if any(d.severity == "error" for d in r.diags):
        return None, r.diags
    return parsed, r.diags


class _RulesetParser:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.lines: list[str] = []  # the file's text, to find the comment above a declaration

    def parse(self, data: Any, sha256: str) -> RulesetFile | None:
        r = self.r
        top = r.mapping(data, (), _TOP_REQUIRED, _TOP_OPTIONAL)
        if top is None:
            return None
        rid = r.ident(top, "id", ())
        version = r.text(top, "version", ())
        start = r.date(top, "effective_from", ())
        until = r.date(top, "effective_until", ())
        if start and until and until < start:
            r.report(
                "RC114",
                ("effective_until",),
                f"失效日期 {until} 早于生效日期 {start}",
                f"effective_until {until} is before effective_from {start}",
                "交换两个日期或更正其中之一 swap or correct the dates",
            )
        extends = r.text(top, "extends", ())
        base, _, base_version = extends.partition("@")
        rules = tuple(
            rule
            for i, raw in enumerate(r.list_of(top.get("rules"), ("rules",)))
            if (rule := self.rule(raw, ("rules", i), rid)) is not None
        )
        disable = tuple((name, r.loc(p)) for name, p in r.text_list(top, "disable", ()))
        return RulesetFile(
            id=rid,
            title=r.text(top, "title", ()),
            jurisdiction=r.text(top, "jurisdiction", ()),
            version=version,
            effective_from=start or _EPOCH,
            effective_until=until,
            extends=base.strip(),
            extends_version=base_version.strip(),
            description=r.text(top, "description", ()),
            documents=self.items(top, "documents", self.document),
            facts=self.items(top, "facts", self.fact),
            looks=self.items(top, "looks", self.look),
            distinctions=self.items(top, "distinctions", self.distinction),
            outcomes=self.items(top, "outcomes", self.outcome),
            rules=rules,
            disable=disable,
            procedure=self.items(top, "procedure", self.procedure_step),
            effects=self.items(top, "effects", self.effect),
            path=r.file,
            sha256=sha256,
            src=r.loc(()),
            parameters=tuple(
                p
                for i, raw in enumerate(r.list_of(top.get("parameters"), ("parameters",)))
                if (p := read_parameter(r, raw, ("parameters", i), rid, self.citation)) is not None
            ),
            constraints=self.items(top, "constraints", self.constraint),
            clearing=self.clearing(top["clearing"]) if top.get("clearing") is not None else None,
        )

    def clearing(self, raw: Any) -> ClearingDecl | None:
        """The ``clearing:`` block (catalogue §10): ``kinds``, ``methods``, ``handlings`` (each
        a list of ``{id, label, definition?, cite?}``), ``by`` (who clears, with ``by_cite``) and
        ``deadline`` (``{working_days, cite}``, counted from an allegation's ``concluded_on``)."""
        r = self.r
        path: DocPath = ("clearing",)
        m = r.mapping(raw, path, (), ("kinds", "methods", "handlings", "by", "by_cite", "deadline"))
        if m is None:
            return None
        limit = None
        cite = None
        if m.get("deadline") is not None:
            dpath = (*path, "deadline")
            d = r.mapping(m["deadline"], dpath, ("working_days",), ("cite",))
            if d is not None:
                days, ref = self.days(d, "working_days", dpath)
                if days is not None and days < 0:
                    r.report(
                        "RC115",
                        (*dpath, "working_days"),
                        "期限不能为负数",
                        "a time limit cannot be negative",
                    )
                limit = TimeLimit(days or 0, 0, "核查结论作出之日", "", ref)
                cite = self.citation(d["cite"], (*dpath, "cite")) if "cite" in d else None
        return ClearingDecl(
            kinds=self.items_at(m, "kinds", path, self.named),
            methods=self.items_at(m, "methods", path, self.named),
            handlings=self.items_at(m, "handlings", path, self.named),
            by=r.text(m, "by", path),
            by_cite=self.citation(m["by_cite"], (*path, "by_cite")) if "by_cite" in m else None,
            deadline=limit,
            deadline_cite=cite,
            src=r.loc(path),
        )

    def items_at(self, top: dict[str, Any], key: str, base: DocPath, parse: Any) -> tuple[Any, ...]:
        """The entries of the list ``top[key]`` (at ``base``) that ``parse`` accepts."""
        out = []
        for i, raw in enumerate(self.r.list_of(top.get(key), (*base, key))):
            item = parse(raw, (*base, key, i))
            if item is not None:
                out.append(item)
        return tuple(out)

    def named(self, raw: Any, path: DocPath) -> Named | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label"), ("definition", "cite"))
        if m is None:
            return None
        return Named(
            r.ident(m, "id", path),
            r.text(m, "label", path),
            r.text(m, "definition", path),
            self.citation(m["cite"], (*path, "cite")) if m.get("cite") is not None else None,
            r.loc(path),
        )

    def constraint(self, raw: Any, path: DocPath) -> Constraint | None:
        """``{id, when, message, message_en}``: values a case file may not state together."""
        r = self.r
        m = r.mapping(raw, path, ("id", "when", "message", "message_en"))
        if m is None:
            return None
        when = self.cond(m["when"], (*path, "when"))
        if when is None:
            return None
        return Constraint(
            r.ident(m, "id", path),
            when,
            r.text(m, "message", path),
            r.text(m, "message_en", path),
            r.loc(path),
        )

    def items(self, top: dict[str, Any], key: str, parse: Any) -> tuple[Any, ...]:
        return self.items_at(top, key, (), parse)

    # --- declarations ----------------------------------------------------------------

    def document(self, raw: Any, path: DocPath) -> Document | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "title"), ("number", "date", "issuer", "note"))
        if m is None:
            return None
        return Document(
            id=r.ident(m, "id", path),
            title=r.text(m, "title", path),
            number=r.text(m, "number", path),
            date=r.date(m, "date", path),
            issuer=r.text(m, "issuer", path),
            note=r.text(m, "note", path),
            src=r.loc(path),
        )

    def fact(self, raw: Any, path: DocPath) -> FactDecl | None:
        r = self.r
        m = r.mapping(
            raw,
            path,
            ("id", "type", "label"),
            (
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
            ),
        )
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
            presume=self.presumption(m, path, multiple),
            replaces=r.boolean(m, "replaces", path, False),
            commented=self.comment_above(r.loc(path).line),
            src=r.loc(path),
            scope=self.fact_scope(m, path),
            computed=self.computed(m, path, ftype),
        )

    def fact_scope(self, m: dict[str, Any], path: DocPath) -> str:
        """``scope: allegation`` (a fact of each allegation) or nothing (a fact of the case)."""
        scope = self.r.text(m, "scope", path)
        if scope and scope != "allegation":
            self.r.report(
                "RC111",
                (*path, "scope"),
                f"事实的范围 {scope!r} 不存在：只能是 allegation（每项举报问题的事实）",
                f"unknown fact scope {scope!r}: the only scope is allegation",
                did_you_mean(scope, ("allegation",)),
            )
            return ""
        if scope and m.get("id") not in ALLEGATION_FACTS.values():
            self.r.report(
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

    def computed(self, m: dict[str, Any], path: DocPath, ftype: str) -> str:
        """``computed: NAME``: a fact the engine computes from the case file (never stated)."""
        name = self.r.text(m, "computed", path)
        if not name:
            return ""
        if name not in COMPUTED_FACTS:
            self.r.report(
                "RC111",
                (*path, "computed"),
                f"没有名为 {name!r} 的计算事实；可用：{'、'.join(COMPUTED_FACTS)}",
                f"no computed fact is named {name!r}; known: {', '.join(COMPUTED_FACTS)}",
                did_you_mean(name, COMPUTED_FACTS),
            )
            return ""
        if ftype != "bool" or "presume" in m:
            self.r.report(
                "RC005",
                (*path, "computed"),
                "计算事实应为 bool 类型，且不能有推定",
                "a computed fact is a bool and takes no presumption",
            )
            return ""
        return name

    def comment_above(self, line: int) -> bool:
        """Whether the lines just above ``line`` (1-based; blank ones skipped) are a comment."""
        i = line - 2
        while 0 <= i < len(self.lines) and not self.lines[i].strip():
            i -= 1
        return 0 <= i < len(self.lines) and self.lines[i].lstrip().startswith("#")

    def presumption(
        self, m: dict[str, Any], path: DocPath, multiple: bool
    ) -> tuple[Presumption, ...]:
        """``presume: <value>`` with ``presume_reason``, or ``presume:`` a list of
        ``{when?, value, reason}`` tried in order (catalogue §6.5). Whether each value fits the
        fact is the checker's (RC140)."""
        r = self.r
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
            if "presume_reason" in m:
                r.report(
                    "RC003",
                    (*path, "presume_reason"),
                    "`presume` 是列表时，每一项写自己的 `reason`",
                    "when `presume` is a list, each entry has its own `reason`",
                    key=True,
                )
            if not raw:
                r.report(
                    "RC005", ppath, "`presume` 的列表不能为空", "`presume` needs at least one entry"
                )
                return ()
            out = []
            for i, item in enumerate(raw):
                ipath = (*ppath, i)
                e = r.mapping(item, ipath, ("value", "reason"), ("when",))
                if e is None:
                    continue
                when = self.cond(e["when"], (*ipath, "when")) if "when" in e else None
                value = self.presumed_value(e["value"], (*ipath, "value"), multiple)
                reason = r.text(e, "reason", ipath)
                if value is None or ("when" in e and when is None):
                    continue
                out.append(Presumption(value, reason, when, r.loc(ipath)))
            return tuple(out)
        if "presume_reason" not in m:
            r.report(
                "RC004",
                path,
                "推定值需要说明理由 `presume_reason`（中文，显示在认定结论和文书中）",
                "a presumption needs its `presume_reason` (Chinese; decisions and memos show it)",
                "例如 e.g. presume_reason: 案件材料未载明存在串通，按不存在认定",
            )
            return ()
        value = self.presumed_value(raw, ppath, multiple)
        reason = r.text(m, "presume_reason", path)
        return () if value is None else (Presumption(value, reason, None, r.loc(ppath)),)

    def presumed_value(self, raw: Any, path: DocPath, multiple: bool) -> FactValue | None:
        if multiple and isinstance(raw, list):
            keys = []
            for i, item in enumerate(raw):
                if not isinstance(item, str):
                    self.r.wrong_type((*path, i), "text", item)
                    return None
                keys.append(item)
            return frozenset(keys)
        return self.scalar(raw, path)

    def look(self, raw: Any, path: DocPath) -> Look | None:
        m = self.r.mapping(raw, path, ("id", "label"), ("question",))
        if m is None:
            return None
        r = self.r
        return Look(
            r.ident(m, "id", path),
            r.text(m, "label", path),
            r.text(m, "question", path),
            r.loc(path),
        )

    def distinction(self, raw: Any, path: DocPath) -> Distinction | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label", "tolerable", "intolerable"))
        if m is None:
            return None
        return Distinction(
            r.ident(m, "id", path),
            r.text(m, "label", path),
            r.text(m, "tolerable", path),
            r.text(m, "intolerable", path),
            r.loc(path),
        )

    def outcome(self, raw: Any, path: DocPath) -> OutcomeDecl | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label"), ("rank",))
        if m is None:
            return None
        oid = r.ident(m, "id", path)
        rank = m.get("rank")
        if rank is None:
            pass
        elif oid == "insufficient_facts":
            # 事实不清 is not lighter or heavier than an outcome: under either version it stays
            # insufficient_facts (catalogue §11), so a rank here would mean nothing.
            r.report(
                "RC217",
                (*path, "rank"),
                "insufficient_facts（事实不清）没有轻重之分，不能有 rank",
                "insufficient_facts has no rank: it is neither lighter nor heavier",
                "删除 rank remove `rank`",
            )
            rank = None
        elif isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            zh, en = describe(rank)
            r.report(
                "RC217",
                (*path, "rank"),
                f"rank 应为不小于 1 的整数（越小越轻），实际是{zh}",
                f"rank must be a whole number from 1 up (smaller is lighter), got {en}",
                "如 e.g. rank: 2",
            )
            rank = None
        return OutcomeDecl(oid, r.text(m, "label", path), r.loc(path), rank)

    def procedure_step(self, raw: Any, path: DocPath) -> ProcedureStep | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label"), ("description", "time_limit", "cite"))
        if m is None:
            return None
        limit = None
        if m.get("time_limit") is not None:
            tpath = (*path, "time_limit")
            t = r.mapping(
                m["time_limit"], tpath, ("working_days",), ("extendable_by", "starts", "from")
            )
            if t is not None:
                days, days_ref = self.days(t, "working_days", tpath)
                extra, extra_ref = self.days(t, "extendable_by", tpath)
                extra = extra or 0
                for name, value in (("working_days", days), ("extendable_by", extra)):
                    if value is not None and value < 0:
                        r.report(
                            "RC115",
                            (*tpath, name),
                            "期限不能为负数",
                            "a time limit cannot be negative",
                        )
                anchor = r.text(t, "from", tpath)
                if anchor and anchor not in ANCHORS:
                    r.report(
                        "RC111",
                        (*tpath, "from"),
                        f"期限起算事件 {anchor!r} 不存在，可用：{'、'.join(ANCHORS)}",
                        f"unknown time-limit event {anchor!r}; known: {', '.join(ANCHORS)}",
                        did_you_mean(anchor, ANCHORS),
                    )
                    anchor = ""
                starts = r.text(t, "starts", tpath) or ANCHORS.get(anchor, "")
                limit = TimeLimit(days or 0, extra, starts, anchor, days_ref, extra_ref)
        return ProcedureStep(
            id=r.ident(m, "id", path),
            label=r.text(m, "label", path),
            description=r.text(m, "description", path),
            time_limit=limit,
            cite=self.citation(m.get("cite"), (*path, "cite")) if "cite" in m else None,
            src=r.loc(path),
        )

    def days(self, t: dict[str, Any], key: str, path: DocPath) -> tuple[int | None, str]:
        """A count of working days: a whole number, or ``{param: NAME}`` (0 until merge puts
        the parameter's value in), with the reference or ``""``."""
        if isinstance(t.get(key), dict):
            ref = read_ref(self.r, t[key], (*path, key))
            return (0, ref) if ref is not None else (None, "")
        return self.r.integer(t, key, path), ""

    def effect(self, raw: Any, path: DocPath) -> Effect | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "outcome", "text"), ("cite",))
        if m is None:
            return None
        return Effect(
            id=r.ident(m, "id", path),
            outcome=r.text(m, "outcome", path),
            text=r.text(m, "text", path),
            cite=self.citation(m.get("cite"), (*path, "cite")) if "cite" in m else None,
            src=r.loc(path),
        )

    def citation(self, raw: Any, path: DocPath) -> Citation | None:
        r = self.r
        m = r.mapping(raw, path, ("doc", "clause", "text"))
        if m is None:
            return None
        return Citation(
            r.ident(m, "doc", path), r.text(m, "clause", path), r.text(m, "text", path), r.loc(path)
        )

    # --- rules ---------------------------------------------------------------------

    def rule(self, raw: Any, path: DocPath, ruleset_id: str) -> Rule | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "kind", "label"), _RULE_KEYS[3:])
        if m is None:
            return None
        kind = r.text(m, "kind", path)
        if kind and kind not in RULE_KINDS:
            r.report(
                "RC111",
                (*path, "kind"),
                f"规则种类 {kind!r} 不存在",
                f"unknown rule kind {kind!r}",
                did_you_mean(kind, RULE_KINDS),
            )
            return None
        for key in _KIND_REQUIRES.get(kind, ()):
            if key not in m:
                r.report(
                    "RC004",
                    path,
                    f"{kind} 规则缺少必填的键 {key!r}",
                    f"a {kind} rule needs the key {key!r}",
                    f"在此处加上 add `{key}: …` here",
                )
        for key, owner in _KIND_ONLY.items():
            if key in m and kind != owner:
                r.report(
                    "RC003",
                    (*path, key),
                    f"键 {key!r} 只用于 {owner} 规则，此规则是 {kind}",
                    f"key {key!r} belongs to {owner} rules; this rule is a {kind}",
                    "删除此键或更正 kind remove the key or correct `kind`",
                    key=True,
                )
        referral = r.boolean(m, "referral", path, False)
        when = None
        if "when" in m:
            when = self.cond(m["when"], (*path, "when"))
        elif not referral:
            r.report(
                "RC004",
                path,
                "规则缺少条件 `when`",
                "the rule has no condition `when`",
                "加上 add `when:`；只能由党委（党组）认定的情形写 `referral: true` "
                "(committee-only situations take `referral: true`)",
            )
        if referral and "when" in m:
            r.report(
                "RC003",
                (*path, "when"),
                "提请认定的情形（referral: true）不能有条件：它从不由引擎自行认定",
                "a referral situation cannot have `when`: the engine never decides it alone",
                "删除 `when` remove `when`",
                key=True,
            )
        finding = r.text(m, "finding", path)
        if finding and finding not in LOOK_FINDINGS[:2]:
            r.report(
                "RC111",
                (*path, "finding"),
                f"六看结论 {finding!r} 不可用：规则只能给出 favourable 或 unfavourable"
                "（没有规则成立时为 neutral）",
                f"look finding {finding!r} is not allowed: a rule gives favourable or "
                "unfavourable (neutral is what no rule holding means)",
                did_you_mean(finding, LOOK_FINDINGS[:2]),
            )
        side = r.text(m, "side", path)
        if side and side not in ("tolerable", "intolerable"):
            r.report(
                "RC111",
                (*path, "side"),
                f"区分的一侧 {side!r} 不存在",
                f"unknown distinction side {side!r}",
                did_you_mean(side, ("tolerable", "intolerable")),
            )
        step = r.integer(m, "step", path)
        if step is not None and step < 0:
            # step 0 is the allegations' (catalogue §7): the decision order's own steps follow
            r.report("RC115", (*path, "step"), "步骤序号从 0 开始", "steps are numbered from 0")
        return Rule(
            id=r.ident(m, "id", path),
            kind=kind,  # type: ignore[arg-type]  # checked against RULE_KINDS above
            label=r.text(m, "label", path),
            when=when,
            cite=self.citation(m["cite"], (*path, "cite")) if m.get("cite") is not None else None,
            look=r.ident(m, "look", path),
            finding=finding,
            distinction=r.ident(m, "distinction", path),
            side=side,
            outcome=r.ident(m, "outcome", path),
            step=step or 0,
            pairs_with=r.ident(m, "pairs_with", path),
            referral=referral,
            replaces=r.boolean(m, "replaces", path, False),
            note=r.text(m, "note", path),
            ruleset=ruleset_id,
            src=r.loc(path),
            method=r.ident(m, "method", path),
            handling=r.ident(m, "handling", path),
        )

    def cond(self, raw: Any, path: DocPath, depth: int = 1) -> Cond | None:
        r = self.r
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
        loc = r.loc(path)
        if len(forms) != 1:
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
        form = forms[0]
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
            parsed = [self.cond(item, (*path, form, i), depth + 1) for i, item in enumerate(items)]
            if any(p is None for p in parsed):
                return None
            conds = tuple(p for p in parsed if p is not None)
            return AllOf(conds, loc) if form == "all" else AnyOf(conds, loc)
        if form == "not":
            r.mapping(raw, path, ("not",))
            inner = self.cond(raw["not"], (*path, "not"), depth + 1)
            return Not(inner, loc) if inner is not None else None
        if form == "established":
            r.mapping(raw, path, ("established",))
            inner = self.cond(raw["established"], (*path, "established"), depth + 1)
            return Established(inner, loc) if inner is not None else None
        if form in ("rule", "claimed"):
            r.mapping(raw, path, (form,))
            name = r.ident(raw, form, path)
            if not name:
                return None
            return RuleRef(name, loc) if form == "rule" else Claimed(name, loc)
        if form in ("any_rule", "all_rules"):
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
        # fact leaf
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
        leaf = self.fact_leaf(raw, path, fact, ops)
        if leaf is None or not stated:
            return leaf
        # A presumed value establishes nothing here (catalogue §6.6): the comparison holds only
        # on a value the case file states.
        return AllOf((Not(Presumed(fact, loc), loc), leaf), loc)

    def fact_leaf(
        self, raw: dict[str, Any], path: DocPath, fact: str, ops: list[str]
    ) -> Cond | None:
        """A comparison or ``known`` test on one fact."""
        r = self.r
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
                checked = self.scalar(v, (*vpath, i))
                if checked is None:
                    return None
                vals.append(checked)
            return Compare(fact, op, tuple(vals), loc) if fact else None
        scalar = self.scalar(value, vpath)
        if scalar is None or not fact:
            return None
        return Compare(fact, op, scalar, loc)

    def scalar(self, value: Any, path: DocPath) -> FactValue | None:
        if isinstance(value, dt.datetime):  # a date fact holds a day; a time would be cut off
            self.r.wrong_type(path, "date", value, date_hint(value))
            return None
        if isinstance(value, bool | str | dt.date):
            return value
        if isinstance(value, int | float):
            return value if self.r.usable_number(value, path) else None
        if isinstance(value, dict) and "param" in value:
            # a ParamRef (a str) until merge puts the parameter's value in (rongcuo.ruleset.params)
            return read_ref(self.r, value, path)
        self.r.report(
            "RC005",
            path,
            "比较的值必须是一个数字、文字、日期或 true/false",
            "a compared value must be a number, text, date or true/false",
            f"实际是 got {type(value).__name__}",
        )
        return None
