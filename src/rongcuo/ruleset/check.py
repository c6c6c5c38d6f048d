"""Semantic checks on an effective (merged) ruleset. Every problem is collected, none raised.

Codes (the docs explain each and how to fix it):

RC101 duplicate id · RC102 undeclared fact · RC103 unknown rule · RC104 comparison does not fit
the fact's type · RC105 enum value not declared · RC107 cycle through negation · RC108 cycle ·
RC109 rule can never hold · RC110 unknown document · RC111 unknown look / distinction / outcome ·
RC115 value outside the fact's bounds · RC116 unordered outcomes (warning) · RC117 rule without a
citation (warning) · RC119 claimed id is not a situation · RC121 missing outcome declarations or
outcome rules · RC123 rule is too wide for the engine · RC140 a presumed value does not fit its
fact · RC141 a presumption's condition reads more than facts · RC143 ``stated: true`` on a fact
that is never presumed (warning) · RC166 the decision order can fall through (warning);
an assessment ruleset's own checks (RC170–RC177) are ``check_assessment``'s

The checks of one rule are ``check_rules``'s; this module checks the facts, outcomes,
presumptions, procedure and the rules together (cycles, the order of outcome rules), and adds
the parameters', the clearing block's and the decision order's checks.
"""

from __future__ import annotations

from rongcuo.decision.lighter import check_ranks
from rongcuo.errors import Diagnostic, Location, did_you_mean
from rongcuo.ruleset.check_assessment import assessment_order, check_assessment
from rongcuo.ruleset.check_clearing import check_clearing, clearing_citations
from rongcuo.ruleset.check_order import check_order
from rongcuo.ruleset.check_rules import (
    check_cited,
    check_comparison,
    check_declared,
    check_rule,
    fits,
)
from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Citation,
    Compare,
    Cond,
    Established,
    FactDecl,
    FactValue,
    Known,
    Not,
    Presumed,
    Rule,
    Ruleset,
    walk,
)
from rongcuo.ruleset.params import check_parameters

REQUIRED_OUTCOMES = ("tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer")
#: The specification's outcomes (catalogue §7): the five every ruleset declares, and
#: ``cleared`` (举报失实，予以澄清正名), declared by a ruleset whose decision order clears names.
OUTCOMES = (*REQUIRED_OUTCOMES, "cleared")


def check_ruleset(rs: Ruleset) -> list[Diagnostic]:
    """Every semantic problem of ``rs`` (an assessment ruleset's by
    :func:`~rongcuo.ruleset.check_assessment.check_assessment`'s rules instead of the tolerance
    outcomes' and ranks')."""
    c = _Checker(rs)
    c.run()
    diags = c.diags + check_parameters(rs) + check_clearing(rs)
    if rs.kind == "assessment":
        diags += check_assessment(rs)
        if not any(d.severity == "error" for d in diags):
            diags += assessment_order(rs)
    elif not any(d.severity == "error" for d in diags):  # the order is searched once it checks
        diags += check_order(rs)
    return diags


class _Checker:
    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.diags: list[Diagnostic] = []
        # worked out once: every rule's width needs it (once a rule, check was quadratic)

    def error(self, code: str, loc: Location, zh: str, en: str, hint: str = "") -> None:
        self.diags.append(Diagnostic(code, loc, zh, en, hint))

    def warn(self, code: str, loc: Location, zh: str, en: str, hint: str = "") -> None:
        self.diags.append(Diagnostic(code, loc, zh, en, hint, "warning"))

    def run(self) -> None:
        rs = self.rs
        for fact in rs.facts.values():
            for look in fact.looks:
                if look not in rs.looks:
                    self.error(
                        "RC111",
                        fact.src,
                        f"事实 {fact.id} 关联的六看 {look!r} 未声明",
                        f"fact {fact.id} names an undeclared look {look!r}",
                        did_you_mean(look, rs.looks),
                    )
        tolerance = rs.kind != "assessment"  # an assessment declares outcomes of its own
        for decl in rs.outcomes.values() if tolerance else ():
            if decl.id not in OUTCOMES:
                self.error(
                    "RC111",
                    decl.src,
                    f"结论 {decl.id!r} 不是规格说明中的结论；结论只能是：" + "、".join(OUTCOMES),
                    f"outcome {decl.id!r} is not one of the specification's outcomes: "
                    + ", ".join(OUTCOMES),
                    did_you_mean(decl.id, OUTCOMES),
                )
        for out_id in REQUIRED_OUTCOMES if tolerance else ():
            if out_id not in rs.outcomes:
                self.error(
                    "RC121",
                    Location(rs.components[-1].path, 1, 1, ("outcomes",)),
                    f"缺少结论 {out_id!r} 的声明",
                    f"the outcome {out_id!r} is not declared",
                    "在 outcomes 中声明它（通常继承自 national）declare it (usually inherited)",
                )
        for rule in rs.rules.values():
            self.diags += check_rule(rs, rule)
        for cite in clearing_citations(rs):
            self.cited_document(cite)
        self.presumptions()
        self.procedure()
        self.cycles()
        self.outcome_order()
        # RC218, RC219: the outcomes' ranks, which 从旧兼从轻 compares
        if tolerance:
            self.diags += check_ranks(rs, OUTCOMES)

    def presumptions(self) -> None:
        """Each presumption's value fits its fact (RC140); its condition reads declared facts
        only, not rules or claims (RC141); ``stated: true`` is on a fact that has a presumption
        (RC143, a warning)."""
        rs = self.rs
        for fact in rs.facts.values():
            for entry in fact.presume:
                self.presumed_value(fact, entry.value, entry.src)
                if entry.when is not None:
                    self.fact_condition(
                        entry.when, f"事实 {fact.id} 的推定", f"the presumption of fact {fact.id}"
                    )
        for c in rs.constraints.values():
            self.fact_condition(c.when, f"约束 {c.id}", f"constraint {c.id}")
        for rule in rs.rules.values():
            for node in walk(rule.when) if rule.when is not None else ():
                if (
                    isinstance(node, Presumed)
                    and node.fact in rs.facts
                    and not rs.facts[node.fact].presume
                ):
                    self.warn(
                        "RC143",
                        node.src,
                        f"事实 {node.fact} 没有推定，`stated: true` 不起作用",
                        f"fact {node.fact} is never presumed: `stated: true` has no effect",
                        "删除 stated，或为该事实声明 presume remove it, or declare a presumption",
                    )

    def declared(self, node: Compare | Known | Presumed) -> bool:
        """RC102 unless the fact ``node`` reads is declared."""
        found = check_declared(self.rs, node)
        self.diags += found
        return not found

    def fact_condition(self, cond: Cond, zh: str, en: str) -> None:
        """A condition on facts alone (a presumption's, a constraint's): declared facts and
        fitting comparisons; no rules, claims or presumption marks (RC141)."""
        rs = self.rs
        for node in walk(cond):
            if isinstance(node, Compare | Known):
                if self.declared(node) and isinstance(node, Compare):
                    self.diags += check_comparison(node, rs.facts[node.fact])
            elif not isinstance(node, AllOf | AnyOf | Not | Established):
                self.error(
                    "RC141",
                    node.src,
                    f"{zh}条件只能读事实（fact），不能读规则、援引或推定标记",
                    f"{en} may read facts only, not rules, claims or presumption marks",
                    "条件取决于案件写明的事实 it depends on what the case states",
                )

    def presumed_value(self, fact: FactDecl, value: FactValue, loc: Location) -> None:
        """RC140 unless ``value`` is a value of ``fact``."""
        mismatch = fact.multiple != isinstance(value, frozenset)
        if not mismatch and not isinstance(value, frozenset):
            mismatch = fits(fact, value) is not None
        if mismatch:
            kind = f"{fact.type}，多选" if fact.multiple else fact.type
            kind_en = f"{fact.type}, multiple" if fact.multiple else fact.type
            self.error(
                "RC140",
                loc,
                f"推定值 {value!r} 与事实 {fact.id} 的类型（{kind}）不符",
                f"the presumed value {value!r} does not fit fact {fact.id} ({kind_en})",
                "多选事实写取值列表 a multiple fact takes a list of its values"
                if fact.multiple
                else "布尔事实写 true / false，不加引号 booleans are true / false, unquoted"
                if fact.type == "bool"
                else "",
            )
            return
        if isinstance(value, frozenset):
            bad = sorted(value - fact.keys)
        elif fact.type == "enum":
            bad = [] if value in fact.keys else [str(value)]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            low, high = fact.minimum, fact.maximum
            out = (low is not None and value < low) or (high is not None and value > high)
            bad = [str(value)] if out else []
        else:
            bad = []
        if bad:
            self.error(
                "RC140",
                loc,
                f"推定值 {', '.join(bad)} 不是事实 {fact.id} 的取值（或超出范围）",
                f"presumed value {', '.join(bad)} is not a value of fact {fact.id} "
                "(or is out of its bounds)",
                did_you_mean(bad[0], fact.keys) if fact.type == "enum" else "",
            )

    def procedure(self) -> None:
        seen: dict[str, Location] = {}
        for step in self.rs.procedure:
            if step.id in seen:
                self.error(
                    "RC101",
                    step.src,
                    f"程序步骤 id {step.id!r} 重复（首次在 {seen[step.id]}）",
                    f"procedure step id {step.id!r} is repeated (first at {seen[step.id]})",
                    "换一个 id use another id",
                )
            seen.setdefault(step.id, step.src)
            if step.cite is not None:
                self.cited_document(step.cite)
        for effect in self.rs.effects.values():
            if effect.outcome not in self.rs.outcomes:
                self.error(
                    "RC111",
                    effect.src,
                    f"影响 {effect.id} 的 outcome {effect.outcome!r} 不是已声明的结论",
                    f"effect {effect.id}: outcome {effect.outcome!r} is not declared",
                    did_you_mean(effect.outcome, self.rs.outcomes),
                )
            if effect.cite is not None:
                self.cited_document(effect.cite)

    def cited_document(self, cite: Citation) -> None:
        """RC110 when a citation names a document the ruleset does not declare."""
        self.diags += check_cited(self.rs, cite)

    # --- the whole ruleset -------------------------------------------------------------

    def cycles(self) -> None:
        rs = self.rs
        edges = rs.graph.signed
        state: dict[str, int] = {}
        stack: list[tuple[str, bool]] = []
        reported: set[frozenset[str]] = set()

        def visit(rid: str) -> None:
            state[rid] = 1
            for dep, negated in edges.get(rid, []):
                if dep not in rs.rules:
                    continue
                stack.append((dep, negated))
                if state.get(dep) == 1:
                    start = next(i for i, (r, _) in enumerate(stack) if r == dep)
                    loop_ids = [r for r, _ in stack[start:-1]]
                    key = frozenset(loop_ids)
                    if key not in reported:
                        reported.add(key)
                        self._cycle(loop_ids, any(n for _, n in stack[start + 1 :]))
                elif state.get(dep) is None:
                    visit(dep)
                stack.pop()
            state[rid] = 2

        for rid in edges:
            if rid not in state:
                stack.append((rid, False))
                visit(rid)
                stack.pop()

    def _cycle(self, ids: list[str], negated: bool) -> None:
        first = self.rs.rules[ids[0]]
        path = " → ".join([*ids, ids[0]])
        if negated:
            self.error(
                "RC107",
                first.src,
                f"规则之间存在经由否定（not）的循环：{path}",
                f"rules form a cycle through negation (not): {path}",
                "一条规则不能（间接地）以自己不成立为条件；拆开这个循环 "
                "a rule cannot depend on itself not holding; break the cycle",
            )
        else:
            self.error(
                "RC108",
                first.src,
                f"规则之间存在循环引用：{path}",
                f"rules refer to each other in a cycle: {path}",
                "拆开这个循环 break the cycle",
            )

    def outcome_order(self) -> None:
        outcome_rules = self.rs.rules_of("outcome")
        if not outcome_rules:
            self.error(
                "RC121",
                Location(self.rs.components[-1].path, 1, 1, ("rules",)),
                "规则集没有结论（outcome）规则，无法得出认定结论",
                "the ruleset has no outcome rules, so it can reach no decision",
                "继承 national，或加上 kind: outcome 的规则 extend national or add outcome rules",
            )
        by_step: dict[int, list[Rule]] = {}
        for rule in outcome_rules:
            by_step.setdefault(rule.step, []).append(rule)
        for step, rules in sorted(by_step.items()):
            outcomes = {r.outcome for r in rules}
            if len(outcomes) > 1:
                names = ", ".join(f"{r.id}→{r.outcome}" for r in rules)
                self.warn(
                    "RC116",
                    rules[1].src,
                    f"第 {step} 步有多条结论不同的规则（{names}），规则集无法排序；"
                    "若同时成立，将提请集体研究（refer）",
                    f"step {step} has rules with different outcomes ({names}) that the ruleset "
                    "cannot order; if both hold the case is referred (refer)",
                    "给它们不同的 step give them different steps",
                )
