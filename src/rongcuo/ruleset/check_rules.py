"""Checks on one rule of an effective ruleset: takes the ruleset and a rule, gives the
diagnostics of its citation (RC117, RC110), the look, distinction and outcome it names (RC111),
its ``pairs_with`` (RC103), each node of its condition — a declared fact (RC102), a comparison
that fits the fact (RC104, RC105, RC115), a rule it may read (RC103), a situation it may claim
(RC119) — and, when those pass, whether it can ever hold (RC109) and whether the engine can
hold it (RC123). The checks of a citation, of a fact read and of a comparison serve the
whole-ruleset checks (``check``) too.
"""

from __future__ import annotations

import datetime as dt

from rongcuo.engine.durable.rails import MAX_RULE_REFS, rule_ref_width
from rongcuo.errors import Diagnostic, did_you_mean
from rongcuo.ruleset.model import (
    Citation,
    Claimed,
    Compare,
    Cond,
    FactDecl,
    FactValue,
    Known,
    Presumed,
    Rule,
    RuleRef,
    Ruleset,
    walk,
)
from rongcuo.ruleset.normal_form import Lit, atom_key, dnf, lit_holds, sample_values


def check_rule(rs: Ruleset, rule: Rule) -> list[Diagnostic]:
    """Every problem of ``rule`` in ``rs``, in the order the checks find them."""
    diags: list[Diagnostic] = []
    if rule.cite is None:
        diags.append(
            Diagnostic(
                "RC117",
                rule.src,
                f"规则 {rule.id} 没有引用条款（cite）",
                f"rule {rule.id} cites no clause (cite)",
                "加上 add cite: {doc: …, clause: …, text: …}",
                "warning",
            )
        )
    else:
        diags += check_cited(rs, rule.cite)
    diags += _names(rs, rule)
    if rule.when is None:
        return diags
    ok = True
    for node in walk(rule.when):
        found = _node(rs, rule, node)
        diags += found
        ok = not found and ok
    if ok:
        diags += _satisfiable(rs, rule)
        diags += _width(rs, rule)
    return diags


def check_cited(rs: Ruleset, cite: Citation) -> list[Diagnostic]:
    """RC110 when a citation names a document the ruleset does not declare."""
    if cite.doc in rs.documents:
        return []
    return [
        Diagnostic(
            "RC110",
            cite.src,
            f"引用的文件 {cite.doc!r} 未在 documents 中声明",
            f"cited document {cite.doc!r} is not declared in documents",
            did_you_mean(cite.doc, rs.documents),
        )
    ]


def check_declared(rs: Ruleset, node: Compare | Known | Presumed) -> list[Diagnostic]:
    """RC102 unless the fact ``node`` reads is declared."""
    if node.fact in rs.facts:
        return []
    return [
        Diagnostic(
            "RC102",
            node.src,
            f"事实 {node.fact!r} 未声明",
            f"fact {node.fact!r} is not declared",
            did_you_mean(node.fact, rs.facts),
        )
    ]


def check_comparison(node: Compare, fact: FactDecl) -> list[Diagnostic]:
    """A comparison that fits its fact: the operator (RC104), each value's type (RC104), an
    enum's declared values (RC105), a number's bounds (RC115)."""
    values = node.value if isinstance(node.value, tuple) else (node.value,)
    if (node.op == "contains") != fact.multiple:
        if fact.multiple:
            zh = f"事实 {fact.id} 可有多个取值，只能用 contains 判断是否含有某值，不能用 {node.op}"
            en = f"fact {fact.id} holds a set of values: test it with contains, not {node.op}"
            hint = f"例如 e.g. {{fact: {fact.id}, contains: {fact.values[0][0]}}}"
        else:
            zh = f"contains 只用于可有多个取值（multiple: true）的枚举事实，{fact.id} 不是"
            en = f"contains applies to enum facts declared multiple: true; {fact.id} is not"
            hint = "改用 eq / in use eq / in"
        return [Diagnostic("RC104", node.src, zh, en, hint)]
    if node.op in ("lt", "le", "gt", "ge") and fact.type not in ("number", "date"):
        return [
            Diagnostic(
                "RC104",
                node.src,
                f"{node.op} 只能比较数字或日期，事实 {fact.id} 的类型是 {fact.type}",
                f"{node.op} compares numbers or dates; fact {fact.id} is {fact.type}",
                "改用 eq / ne / in use eq / ne / in",
            )
        ]
    diags: list[Diagnostic] = []
    for value in values:
        expected = fits(fact, value)
        if expected:
            diags.append(
                Diagnostic(
                    "RC104",
                    node.src,
                    f"事实 {fact.id}（{fact.type}）不能与 {value!r} 比较：应为{expected[0]}",
                    f"fact {fact.id} ({fact.type}) cannot be compared with {value!r}: "
                    f"expected {expected[1]}",
                    "布尔事实写 true / false，不加引号 write booleans as true / false, unquoted"
                    if fact.type == "bool"
                    else "",
                )
            )
            continue
        if fact.type == "enum" and value not in dict(fact.values):
            diags.append(
                Diagnostic(
                    "RC105",
                    node.src,
                    f"{value!r} 不是事实 {fact.id} 声明的取值",
                    f"{value!r} is not a declared value of fact {fact.id}",
                    did_you_mean(str(value), dict(fact.values)),
                )
            )
        if fact.type == "number" and isinstance(value, int | float):
            low, high = fact.minimum, fact.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                diags.append(
                    Diagnostic(
                        "RC115",
                        node.src,
                        f"{value} 超出事实 {fact.id} 的取值范围 [{low}, {high}]",
                        f"{value} is outside the bounds of fact {fact.id}: [{low}, {high}]",
                    )
                )
    return diags


def fits(fact: FactDecl, value: FactValue) -> tuple[str, str] | None:
    """``None`` when ``value`` can be compared with ``fact``, else what was expected."""
    if fact.type == "bool":
        return None if isinstance(value, bool) else ("true 或 false", "true or false")
    if fact.type == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else ("数字", "a number")
    if fact.type == "date":
        return None if isinstance(value, dt.date) else ("日期", "a date")
    return None if isinstance(value, str) else ("文字", "text")


def _names(rs: Ruleset, rule: Rule) -> list[Diagnostic]:
    """The look, distinction and outcome a rule names are declared (RC111); its
    ``pairs_with`` is an exclusion (RC103)."""
    diags: list[Diagnostic] = []
    refs = (
        (rule.look, rs.looks, "look", "六看"),
        (rule.distinction, rs.distinctions, "distinction", "三个区分开来"),
        (rule.outcome, rs.outcomes, "outcome", "结论"),
    )
    for value, table, key, zh in refs:
        if value and value not in table:
            diags.append(
                Diagnostic(
                    "RC111",
                    rule.src,
                    f"规则 {rule.id} 的 {key} {value!r} 不是已声明的{zh}",
                    f"rule {rule.id}: {key} {value!r} is not declared",
                    did_you_mean(value, table),
                )
            )
    if rule.pairs_with:
        paired = rs.rules.get(rule.pairs_with)
        if paired is None or paired.kind != "exclusion":
            diags.append(
                Diagnostic(
                    "RC103",
                    rule.src,
                    f"pairs_with 应指向一条不予容错情形（exclusion）规则，{rule.pairs_with!r} 不是",
                    f"pairs_with must name an exclusion rule; {rule.pairs_with!r} is not one",
                    did_you_mean(rule.pairs_with, [r.id for r in rs.rules_of("exclusion")]),
                )
            )
    return diags


def _node(rs: Ruleset, rule: Rule, node: Cond) -> list[Diagnostic]:
    """One node of a rule's condition: the fact, rule or situation it reads."""
    if isinstance(node, Compare | Known | Presumed):
        undeclared = check_declared(rs, node)
        if undeclared or not isinstance(node, Compare):
            return undeclared
        return check_comparison(node, rs.facts[node.fact])
    if isinstance(node, RuleRef):
        return _rule_ref(rs, rule, node)
    if isinstance(node, Claimed):
        target = rs.rules.get(node.situation)
        if target is None or target.kind != "situation":
            return [
                Diagnostic(
                    "RC119",
                    node.src,
                    f"claimed 应是一项容错情形的 id，{node.situation!r} 不是",
                    f"claimed must be a situation id; {node.situation!r} is not",
                    did_you_mean(node.situation, [r.id for r in rs.rules_of("situation")]),
                )
            ]
    return []


def _rule_ref(rs: Ruleset, rule: Rule, node: RuleRef) -> list[Diagnostic]:
    """RC103 unless ``rule`` may read the rule ``node`` names."""
    target = rs.rules.get(node.rule)
    if target is None:
        return [
            Diagnostic(
                "RC103",
                node.src,
                f"规则 {node.rule!r} 不存在（或已被 disable）",
                f"rule {node.rule!r} does not exist (or was disabled)",
                did_you_mean(node.rule, rs.rules),
            )
        ]
    if target.referral:
        return [
            Diagnostic(
                "RC103",
                node.src,
                f"{node.rule!r} 只能由党委（党组）认定，条件不能引用它；请用 claimed",
                f"{node.rule!r} is decided by the committee only and cannot be read by a "
                "condition; use `claimed`",
                f"改为 write {{claimed: {node.rule}}}",
            )
        ]
    if target.kind == "outcome" and rule.kind != "outcome":
        return [
            Diagnostic(
                "RC103",
                node.src,
                f"只有结论规则可以引用结论规则 {node.rule!r}",
                f"only outcome rules may read the outcome rule {node.rule!r}",
            )
        ]
    return []


def _satisfiable(rs: Ruleset, rule: Rule) -> list[Diagnostic]:
    """RC109 when no case can satisfy the rule's condition."""
    assert rule.when is not None
    conjunctions = dnf(rule.when, True)
    if conjunctions is None:
        return []  # too large to decide cheaply: assume it can hold
    for conj in conjunctions:
        if _conj_ok(rs, conj):
            return []
    return [
        Diagnostic(
            "RC109",
            rule.src,
            f"规则 {rule.id} 的条件自相矛盾，任何案件都不可能满足",
            f"the condition of rule {rule.id} contradicts itself: no case can ever satisfy it",
            "检查同一事实上互相排斥的比较 look for comparisons on one fact that exclude each other",
        )
    ]


def _conj_ok(rs: Ruleset, conj: list[Lit]) -> bool:
    """Whether some case can satisfy every literal of ``conj``."""
    by_fact: dict[str, list[Lit]] = {}
    atoms: dict[object, bool] = {}
    for lit in conj:
        if isinstance(lit.node, Compare | Known):
            by_fact.setdefault(lit.node.fact, []).append(lit)
        else:
            key = (type(lit.node).__name__, atom_key(lit.node))
            if atoms.setdefault(key, lit.positive) != lit.positive:
                return False
    for fact_id, lits in by_fact.items():
        decl = rs.facts[fact_id]
        if not any(
            all(lit_holds(lit, value) for lit in lits) for value in sample_values(decl, lits)
        ):
            return False
    return True


def _width(rs: Ruleset, rule: Rule) -> list[Diagnostic]:
    """RC123 when the rule reads more rules at once than the engine can hold."""
    assert rule.when is not None
    widest = rule_ref_width(rule.when, rs)
    if widest <= MAX_RULE_REFS * MAX_RULE_REFS:
        return []
    return [
        Diagnostic(
            "RC123",
            rule.src,
            f"规则 {rule.id} 同时引用了 {widest} 条规则，超出引擎的上限",
            f"rule {rule.id} reads {widest} rules at once, beyond the engine's limit",
            "拆分为几条中间规则 split it into intermediate rules",
        )
    ]
