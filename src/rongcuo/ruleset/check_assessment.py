"""The checks of an assessment ruleset (``kind: assessment``; catalogue §12 reuse, §13 warning).

Takes an effective ruleset of kind ``assessment``; gives its diagnostics. Such a ruleset
assesses a cadre after a decision, into outcomes it declares itself (never a Decision's fixed
outcomes), so the tolerance checks of outcomes and ranks do not apply (``check.py`` skips them)
and these do instead:

RC170 a tolerance-only part (looks, distinctions, clearing, procedure) declared · RC171 a rule
of a kind other than ``outcome`` · RC172 no outcome declared, or an outcome no rule decides ·
RC173 an outcome with a ``rank`` · RC175 the decision order can fall through (RC166 is a warning
for a tolerance ruleset; an assessment has no ``refer`` to fall to) · RC176 an outcome rule that
can be unknown (an assessment decides on what is established: wrap a fact in ``established``) ·
RC177 a fact the assessment stage computes (:data:`ASSESSMENT_FACTS`) declared with another type
or other values, or with a presumption. RC174 (kinds across ``extends`` or versions) is the
library's, RC178 (an unknown ``kind``) the loader's.
"""

from __future__ import annotations

import itertools

from rongcuo.errors import Diagnostic, Location, RulesetError
from rongcuo.ruleset.check_order import order_completeness
from rongcuo.ruleset.model import (
    ASSESSMENT_FACTS,
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    FactValue,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
    Ruleset,
    walk,
)

__all__ = ["assessment_order", "check_assessment", "may_be_unknown", "require_kind"]

_ARTICLE = {"tolerance": "a", "assessment": "an"}
_KIND_WORDS = {"tolerance": "容错认定规则集", "assessment": "评估规则集（kind: assessment）"}


def require_kind(rs: Ruleset, kind: str) -> None:
    """Raise :class:`~rongcuo.errors.RulesetError` (RC172) unless ``rs`` is of ``kind``: a
    Decision is made under a tolerance ruleset only (its outcomes are the contract's), an
    Assessment under an assessment ruleset only."""
    if rs.kind == kind:
        return
    use = (
        "评估用 rongcuo assess reuse|warning assess with rongcuo assess"
        if rs.kind == "assessment"
        else "认定案件用 rongcuo evaluate decide a case with rongcuo evaluate"
    )
    raise RulesetError(
        [
            Diagnostic(
                "RC172",
                Location(rs.components[-1].path, 1, 1, ("kind",)),
                f"规则集 {rs.id} 是{_KIND_WORDS.get(rs.kind, rs.kind)}，不是{_KIND_WORDS[kind]}",
                f"ruleset {rs.id} is {_ARTICLE[rs.kind]} {rs.kind} ruleset, not {_ARTICLE[kind]} "
                f"{kind} one",
                use,
            )
        ]
    )


def check_assessment(rs: Ruleset) -> list[Diagnostic]:
    """RC170–RC173, RC176, RC177 for the assessment ruleset ``rs``."""
    out = _tolerance_parts(rs)
    where = Location(rs.components[-1].path, 1, 1, ("outcomes",))
    for rule in rs.rules.values():
        if rule.kind != "outcome":
            out.append(
                Diagnostic(
                    "RC171",
                    rule.src,
                    f"评估规则集只有认定顺序（outcome）规则，规则 {rule.id} 是 {rule.kind}",
                    f"an assessment ruleset has outcome rules only; rule {rule.id} is a {rule.kind}",
                    "改为 kind: outcome 并给出 step 与 outcome，或把条件写进认定顺序规则 "
                    "make it an outcome rule with a step, or write its condition into one",
                )
            )
    if not rs.outcomes:
        out.append(
            Diagnostic(
                "RC172",
                where,
                "评估规则集须声明自己的结论（outcomes）",
                "an assessment ruleset declares its own outcomes",
                "如 e.g. outcomes: [{id: postpone, label: 暂缓使用}, …]",
            )
        )
    decided = {r.outcome for r in rs.rules_of("outcome")}
    for decl in rs.outcomes.values():
        if decl.id not in decided:
            out.append(
                Diagnostic(
                    "RC172",
                    decl.src,
                    f"没有认定顺序规则得出结论 {decl.id}（{decl.label}）",
                    f"no outcome rule decides the outcome {decl.id} ({decl.label})",
                    "删除这个结论，或加一条得出它的规则 remove it, or add a rule deciding it",
                )
            )
        if decl.rank is not None:
            out.append(
                Diagnostic(
                    "RC173",
                    Location(
                        decl.src.file, decl.src.line, decl.src.column, (*decl.src.path, "rank")
                    ),
                    f"评估结论 {decl.id} 不比较轻重（不适用从旧兼从轻），不能有 rank",
                    f"an assessment outcome ({decl.id}) is never compared for lightness: no rank",
                    "删除 rank remove `rank`",
                )
            )
    for rule in rs.rules_of("outcome"):
        if rule.when is not None and may_be_unknown(rs, rule.when):
            out.append(
                Diagnostic(
                    "RC176",
                    rule.src,
                    f"认定顺序规则 {rule.id} 可能为不明：评估只依据已查明的事实作出",
                    f"outcome rule {rule.id} can be unknown: an assessment decides on what is "
                    "established",
                    "把事实写在 established 里，如 {not: {established: {fact: X, eq: true}}}"
                    "（不明即按不利认定） wrap facts in `established` (unknown then counts as not)",
                )
            )
    out += _computed_facts(rs)
    return out


def _tolerance_parts(rs: Ruleset) -> list[Diagnostic]:
    """RC170 for each look, distinction, procedure step and the clearing block."""
    parts: list[tuple[Location, str, str]] = [
        *((d.src, f"六看 {d.id}", f"look {d.id}") for d in rs.looks.values()),
        *((d.src, f"三个区分 {d.id}", f"distinction {d.id}") for d in rs.distinctions.values()),
        *((s.src, f"程序步骤 {s.id}", f"procedure step {s.id}") for s in rs.procedure),
    ]
    if rs.clearing is not None:
        parts.append((rs.clearing.src, "澄清正名（clearing）", "the clearing block"))
    return [
        Diagnostic(
            "RC170",
            loc,
            f"评估规则集不认定容错，不能声明{zh}",
            f"an assessment ruleset decides no tolerance case: it cannot declare {en}",
            "删除它；容错认定的内容写在容错规则集中 remove it (it belongs in a tolerance ruleset)",
        )
        for loc, zh, en in parts
    ]


def _computed_facts(rs: Ruleset) -> list[Diagnostic]:
    """RC177 for a declared fact the stage computes whose type, values or presumption differ."""
    out = []
    for fid, spec in ASSESSMENT_FACTS.items():
        decl = rs.facts.get(fid)
        if decl is None:
            continue
        keys = tuple(k for k, _ in decl.values)
        if decl.type != spec.type or keys != spec.values or decl.multiple or decl.presume:
            shown = f"{spec.type}" + (f"（取值 {', '.join(spec.values)}）" if spec.values else "")
            shown_en = f"{spec.type}" + (
                f" (values {', '.join(spec.values)})" if spec.values else ""
            )
            out.append(
                Diagnostic(
                    "RC177",
                    decl.src,
                    f"事实 {fid} 由评估程序计算（{spec.source}），须声明为 {shown}，不写推定",
                    f"fact {fid} is computed by the assessment ({spec.source}): declare it as "
                    f"{shown_en}, without a presumption",
                    f"如 e.g. {{id: {fid}, type: {spec.type}, label: …}}",
                )
            )
    return out


def may_be_unknown(rs: Ruleset, cond: Cond) -> bool:
    """Whether ``cond`` can be unknown on some input: a comparison on a fact can, unless the
    assessment computes that fact and always knows it; ``established``, ``known``, claims and
    presumption marks cannot; a connective can when one of its items can."""
    if isinstance(cond, Established | Known | Claimed | Presumed):
        return False
    if isinstance(cond, Compare):
        spec = ASSESSMENT_FACTS.get(cond.fact)
        return spec is None or not spec.always_known
    if isinstance(cond, Not):
        return may_be_unknown(rs, cond.item)
    if isinstance(cond, AllOf | AnyOf):
        return any(may_be_unknown(rs, c) for c in cond.items)
    if isinstance(cond, RuleRef):
        rule = rs.rules.get(cond.rule)
        return rule is None or rule.when is None or may_be_unknown(rs, rule.when)
    if isinstance(cond, KindRef):
        return any(r.when is None or may_be_unknown(rs, r.when) for r in rs.rules_of(cond.kind))
    return True  # pragma: no cover - every condition form is above


#: Inputs an exhaustive search of the decision order may try before it falls back to the
#: search of ``check_order`` (which reads ``established`` as its item and so may miss a gap
#: that an unknown fact opens).
EXHAUSTIVE_LIMIT = 50_000


def assessment_order(rs: Ruleset) -> list[Diagnostic]:
    """RC175 (an error) when the decision order can fall through, or is too large to tell:
    an assessment has no ``refer`` to fall to, so some step must decide every input. The
    facts the order reads are few, so every combination of their values (each region their
    comparisons tell apart, and unknown unless the stage always computes it) is tried on the
    reference evaluator; past :data:`EXHAUSTIVE_LIMIT` combinations, ``check_order``'s search
    decides."""
    steps = sorted(rs.rules_of("outcome"), key=lambda r: r.step)
    if not steps:
        return []
    gap = _exhaustive_gap(rs)
    if gap is None:
        return []
    if isinstance(gap, str):  # "large"
        found = order_completeness(rs)
        if found.complete:
            return []
        words = found.gap.words() if found.gap is not None else None
    else:
        words = (
            [f"事实 {f} 未知" if v is None else f"{f} 为 {_shown(v)}" for f, v in gap],
            [f"fact {f} is unknown" if v is None else f"{f} is {_shown(v)}" for f, v in gap],
        )
    if words is None:
        zh = "认定顺序的条件太多，无法检查是否每次评估都有一步作出结论"
        en = "the decision order is too large to verify that some step decides every input"
    else:
        zh = f"认定顺序不完整：当 {'、'.join(words[0]) or '任何情况'} 时，没有一步作出评估结论"
        en = (
            f"the decision order is incomplete: when {', '.join(words[1]) or 'anything'}, "
            "no step decides"
        )
    return [
        Diagnostic(
            "RC175",
            steps[-1].src,
            zh,
            en,
            "加上最后一步，在前面各步都不成立时作出结论（评估没有提请集体研究可退） add a final "
            "step that holds when the others do not (an assessment cannot fall through to refer)",
        )
    ]


def _shown(value: FactValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(value)) + "]"
    return str(value)


def _exhaustive_gap(rs: Ruleset) -> list[tuple[str, FactValue | None]] | str | None:
    """A combination of the order's facts in which no outcome rule holds (``None``: there is
    none; ``"large"``: too many combinations to try)."""
    from rongcuo.engine.reference import Program, ReferenceEvaluator, representative_values

    consts: dict[str, list[FactValue]] = {}
    for rule in rs.rules.values():
        for node in walk(rule.when) if rule.when is not None else ():
            if isinstance(node, Compare | Known):
                found = consts.setdefault(node.fact, [])
                if isinstance(node, Compare):
                    value = node.value
                    found.extend(value if isinstance(value, tuple) else [value])
    domains: list[list[FactValue | None]] = []
    names = sorted(f for f in consts if f in rs.facts)
    size = 1
    for fid in names:
        spec = ASSESSMENT_FACTS.get(fid)
        values: list[FactValue | None] = list(representative_values(rs.facts[fid], consts[fid]))
        if spec is None or not spec.always_known:
            values.append(None)
        domains.append(values)
        size *= len(values)
        if size > EXHAUSTIVE_LIMIT:
            return "large"
    program = Program.build(rs)
    evaluator = ReferenceEvaluator(program)
    order = [r.id for step in program.steps for r in step]
    for combo in itertools.product(*domains):
        facts = {f: v for f, v in zip(names, combo, strict=True) if v is not None}
        held = evaluator.rule_values(facts, frozenset())
        if not any(held.get(rid) for rid in order):
            return list(zip(names, combo, strict=True))
    return None
