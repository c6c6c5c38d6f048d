"""Checks of what clearing names (澄清正名, catalogue §10) adds to a ruleset.

The clearing rules are rules like the others, but each is evaluated once for every allegation of
a case, on the allegation's facts (``scope: allegation``) and the case's; the decision order
reads them only through the computed fact ``allegations_struck``. So the two parts may not read
each other's rules, and the ids the clearing rules name must be declared in ``clearing:``.
"""

from __future__ import annotations

from rongcuo.errors import Diagnostic, Location, did_you_mean
from rongcuo.ruleset.model import (
    CLEARING_KINDS,
    Citation,
    ClearingDecl,
    Compare,
    Known,
    Presumed,
    RuleRef,
    Ruleset,
    walk,
)

#: The values the case-file contract gives each enum allegation fact (catalogue §10); a ruleset
#: words them (labels) but cannot add to them.
CONTRACT_VALUES: dict[str, frozenset[str]] = {
    "allegation_finding": frozenset(
        {"substantiated", "partly_substantiated", "untrue", "mistaken", "fabricated"}
    ),
    "allegation_spread": frozenset({"unit", "locality", "online", "public"}),
}
_BOOL_FACTS = ("reporter_signed", "reporter_informed")


def check_clearing(rs: Ruleset) -> list[Diagnostic]:
    """RC160–RC165: the clearing rules, the allegation facts and the ``clearing:`` block.

    A kind that ``clearing.kinds`` adds is added to the values of ``allegation_kind`` when the
    chain is merged; RC162 remains for a value of the fact no kind declares."""
    out = _parts_apart(rs)
    out += _what_clearing_needs(rs)
    out += _contract_facts(rs)
    if rs.clearing is None:
        return out
    out += _kinds_declared(rs, rs.clearing)
    out += _names_declared(rs, rs.clearing)
    return out


def _parts_apart(rs: Ruleset) -> list[Diagnostic]:
    """RC160: the clearing rules and the decision order's rules each read only their own facts
    and rules."""
    out: list[Diagnostic] = []
    for rule in rs.rules.values():
        if rule.when is None:
            continue
        mine = rule.kind in CLEARING_KINDS
        for node in walk(rule.when):
            if isinstance(node, Compare | Known | Presumed) and node.fact in rs.facts:
                decl = rs.facts[node.fact]
                if not mine and decl.scope == "allegation":
                    out.append(
                        Diagnostic(
                            "RC160",
                            node.src,
                            f"规则 {rule.id} 读取了举报问题的事实 {node.fact}：只有澄清正名规则"
                            "（strike、clearing、clearing_method、reporter_handling）逐项读取它们",
                            f"rule {rule.id} reads the allegation fact {node.fact}: only "
                            "clearing rules (strike, clearing, clearing_method, "
                            "reporter_handling) read them, once for each allegation",
                            "认定顺序读计算事实 allegations_struck the decision order reads the "
                            "computed fact allegations_struck",
                        )
                    )
                if mine and decl.computed:
                    out.append(
                        Diagnostic(
                            "RC160",
                            node.src,
                            f"澄清正名规则 {rule.id} 不能读取计算事实 {node.fact}",
                            f"clearing rule {rule.id} cannot read the computed fact {node.fact}",
                        )
                    )
            if isinstance(node, RuleRef) and node.rule in rs.rules:
                target = rs.rules[node.rule]
                if (target.kind in CLEARING_KINDS) != mine:
                    out.append(
                        Diagnostic(
                            "RC160",
                            node.src,
                            f"规则 {rule.id} 不能读取规则 {node.rule}：澄清正名规则与认定顺序的"
                            "规则分别评估，互不引用",
                            f"rule {rule.id} cannot read rule {node.rule}: the clearing rules "
                            "and the decision order's rules are evaluated apart and do not read "
                            "each other",
                        )
                    )
    return out


def _what_clearing_needs(rs: Ruleset) -> list[Diagnostic]:
    """RC164: clearing rules, or the computed fact, need allegation_finding, a strike rule and a
    ``clearing:`` block."""
    out: list[Diagnostic] = []
    top = Location(rs.components[-1].path, 1, 1, ())
    clearing_rules = [r for r in rs.rules.values() if r.kind in CLEARING_KINDS]
    allegation_facts = {k for k, f in rs.facts.items() if f.scope == "allegation"}
    needed = bool(clearing_rules) or any(f.computed for f in rs.facts.values())
    if needed and "allegation_finding" not in allegation_facts:
        out.append(
            Diagnostic(
                "RC164",
                top,
                "澄清正名规则需要声明举报问题的事实 allegation_finding（scope: allegation）",
                "clearing rules need the allegation fact allegation_finding (scope: allegation)",
                "通常继承自 national usually inherited from national",
            )
        )
    if needed and not rs.rules_of("strike"):
        out.append(
            Diagnostic(
                "RC164",
                top,
                "计算事实 allegations_struck 需要至少一条 strike 规则（何种核查结论查否举报问题）",
                "the computed fact allegations_struck needs at least one strike rule (which "
                "findings strike an allegation)",
            )
        )
    if needed and rs.clearing is None:
        out.append(
            Diagnostic(
                "RC164",
                top,
                "澄清正名规则需要 clearing: 声明（诬告陷害的种类、澄清方式、对举报人的处理）",
                "clearing rules need a clearing: block (false-accusation kinds, clearing methods, "
                "how the reporter is handled)",
            )
        )
    return out


def _contract_facts(rs: Ruleset) -> list[Diagnostic]:
    """RC165: the allegation facts stay what the case-file contract says."""
    out: list[Diagnostic] = []
    for fid in {k for k, f in rs.facts.items() if f.scope == "allegation"}:
        decl = rs.facts[fid]
        allowed = CONTRACT_VALUES.get(fid)
        if fid in _BOOL_FACTS and decl.type != "bool":
            out.append(
                Diagnostic(
                    "RC165", decl.src, f"事实 {fid} 应为 bool 类型", f"fact {fid} must be a bool"
                )
            )
        enum_fact = fid in CONTRACT_VALUES or fid == "allegation_kind"
        if enum_fact and (decl.type != "enum" or decl.multiple):
            out.append(
                Diagnostic(
                    "RC165",
                    decl.src,
                    f"事实 {fid} 应为单选枚举（enum）",
                    f"fact {fid} must be a single-valued enum",
                )
            )
            continue
        if allowed is not None and decl.keys != allowed:
            out.append(
                Diagnostic(
                    "RC165",
                    decl.src,
                    f"事实 {fid} 的取值须恰为规格说明的：{'、'.join(sorted(allowed))}",
                    f"fact {fid} takes exactly the specification's values: "
                    + ", ".join(sorted(allowed)),
                    "只改中文名称 change only the labels",
                )
            )
    return out


def _kinds_declared(rs: Ruleset, block: ClearingDecl) -> list[Diagnostic]:
    """RC162: the values of allegation_kind are the ids of ``clearing.kinds``."""
    kinds = {n.id for n in block.kinds}
    kind_decl = rs.facts.get("allegation_kind")
    if kind_decl is None or kind_decl.keys == kinds:
        return []
    missing = sorted(kinds - kind_decl.keys)
    extra = sorted(kind_decl.keys - kinds)
    return [
        Diagnostic(
            "RC162",
            block.src,
            "事实 allegation_kind 的取值应与 clearing.kinds 一一对应"
            + (f"；缺少 {'、'.join(missing)}" if missing else "")
            + (f"；多出 {'、'.join(extra)}" if extra else ""),
            "the values of allegation_kind must be the ids of clearing.kinds"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; not in clearing.kinds: {', '.join(extra)}" if extra else ""),
        )
    ]


def _names_declared(rs: Ruleset, block: ClearingDecl) -> list[Diagnostic]:
    """RC161: each clearing_method rule's method and reporter_handling rule's handling is
    declared in the ``clearing:`` block."""
    out: list[Diagnostic] = []
    named = (
        (
            "clearing_method",
            "method",
            {n.id for n in block.methods},
            "clearing.methods",
            "澄清方式",
        ),
        (
            "reporter_handling",
            "handling",
            {n.id for n in block.handlings},
            "clearing.handlings",
            "对举报人的处理",
        ),
    )
    for kind, attr, ids, where, zh in named:
        for rule in rs.rules_of(kind):  # type: ignore[arg-type]
            value = getattr(rule, attr)
            if value not in ids:
                out.append(
                    Diagnostic(
                        "RC161",
                        rule.src,
                        f"规则 {rule.id} 的 {attr} {value!r} 不是 {where} 中声明的{zh}",
                        f"rule {rule.id}: {attr} {value!r} is not declared in {where}",
                        did_you_mean(value, ids),
                    )
                )
    return out


def clearing_citations(rs: Ruleset) -> list[Citation]:
    """The clauses the ``clearing:`` block cites (its entries, who clears, the deadline), for
    the checker's one test that each names a declared document (RC110)."""
    block = rs.clearing
    if block is None:
        return []
    named = [n.cite for n in (*block.kinds, *block.methods, *block.handlings)]
    return [c for c in (*named, block.by_cite, block.deadline_cite) if c is not None]
