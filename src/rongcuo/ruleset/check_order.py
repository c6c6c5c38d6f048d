"""Whether the decision order is complete (RC166): some step holds in every case that settles.

The walk (``decision/walk.py``) decides at the first step whose rule holds. When every step is
ruled out, nothing decides and the case is referred (``refer``, the documented fall-through). A
*complete* order is one where that never happens: whatever values the things its rules read
take, some step's rule holds. The bundled orders are complete (national's step 5 reads
``not any_rule: situation`` and step 7 ``any_rule: situation``, so one of them always holds).

How it is decided: the order falls through exactly when the negation of every step's rule
holds, so each step's rule is negated and put in disjunctive normal form (``normal_form.dnf``),
and a search picks one conjunction per step, keeping only combinations that can hold together:

* the rules, kinds (``any_rule`` / ``all_rules`` of a kind, see ``atom_key``), claims and
  presumption marks the literals read are atoms, each true or false; an atom may not be both;
  ``any_rule: K`` and ``all_rules: K`` must agree with each other and with the literals on
  K's own rules (no rule of K holds while ``any_rule: K`` is false, and so on);
* the comparisons and known-tests on one fact must be met by one value of it (or by the fact
  being unknown), found by sampling the values the comparisons tell apart, as RC109 does; a
  fact whose presumption mark is true is known.

Steps that read nothing in common (no atom, no fact, no kind) are searched apart: the order
falls through when each such group can, and is complete as soon as one group cannot (a final
pair of complementary steps settles it however many steps come before). Within a group the
negations with fewest conjunctions go first, and partial combinations already seen are skipped.

Every combination that survives is a case in which no step holds: a falling-through case. The
atoms are taken as independent (a rule that another rule implies is not followed into its
condition), so the search may find a combination no case can produce, never miss one that a
case can. ``established`` is read as the item itself, as ``dnf`` does.

Past :data:`SEARCH_LIMIT` steps of the search (or when a rule's normal form is too large), the
order is left undecided: ``check`` says so (RC166, a warning) and the walk treats the order as
incomplete, which is the safe side (``refer`` stays possible while steps are open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from rongcuo.errors import Diagnostic, Location
from rongcuo.ruleset.model import (
    Compare,
    FactValue,
    KindRef,
    Known,
    Presumed,
    Rule,
    RuleRef,
    Ruleset,
)
from rongcuo.ruleset.normal_form import Lit, atom_key, dnf, lit_holds, sample_values

#: Conjunctions tried before the search gives up and leaves the order undecided.
SEARCH_LIMIT = 50_000
#: Falling-through combinations collected before one is picked to be named.
GAPS_COLLECTED = 64

#: An atom: the kind of node, and what ``atom_key`` says it reads.
Atom = tuple[str, object]


@dataclass(frozen=True)
class Gap:
    """A combination in which no step of the decision order holds: atoms with their values,
    and for each fact it compares a value meeting every literal on it (``None``: the fact is
    unknown)."""

    atoms: tuple[tuple[Atom, bool], ...]
    facts: tuple[tuple[str, FactValue | None], ...]

    def words(self) -> tuple[list[str], list[str]]:
        """The combination in Chinese and in English, one phrase an atom or fact, sorted."""
        parts: list[tuple[str, str, str]] = []
        for (kind, key), value in self.atoms:
            parts.append((_sort_name(kind, key), *_atom_words(kind, key, value)))
        for fact, fv in self.facts:
            if fv is None:
                parts.append((fact, f"事实 {fact} 未知", f"fact {fact} is unknown"))
            else:
                shown = _value_text(fv)
                parts.append((fact, f"{fact} 为 {shown}", f"{fact} is {shown}"))
        parts.sort()
        return [zh for _, zh, _ in parts], [en for _, _, en in parts]


@dataclass(frozen=True)
class OrderCompleteness:
    """What the search found: ``decided`` is false when it gave up; ``gap`` is the falling-
    through combination to name (``None`` when the order is complete, or undecided)."""

    decided: bool
    gap: Gap | None

    @property
    def complete(self) -> bool:
        """Proven complete: no combination falls through."""
        return self.decided and self.gap is None


def order_steps(rs: Ruleset) -> list[list[Rule]]:
    """The outcome rules grouped by step, in step order (as the walk goes through them)."""
    by_step: dict[int, list[Rule]] = {}
    for rule in rs.rules_of("outcome"):
        by_step.setdefault(rule.step, []).append(rule)
    return [by_step[s] for s in sorted(by_step)]


def order_completeness(rs: Ruleset) -> OrderCompleteness:
    """Whether some step of ``rs``'s decision order holds in every case that settles it, and
    if not, the simplest combination found in which none does (fewest atoms and facts, then
    by their words)."""
    rules = [r for step in order_steps(rs) for r in step]
    negations: list[list[list[Lit]]] = []
    for rule in rules:
        if rule.when is None:
            negations.append([[]])  # a rule without a condition never holds
            continue
        neg = dnf(rule.when, False)
        if neg is None:
            return OrderCompleteness(False, None)
        negations.append(neg)
    remaining = SEARCH_LIMIT
    parts: list[Gap] = []
    for group in _independent(rs, negations):
        # the negations with fewest conjunctions first: they cut the search soonest
        search = _Search(rs, sorted(group, key=len), remaining)
        try:
            search.run()
        except _TooLarge:
            if not search.gaps:
                return OrderCompleteness(False, None)
        remaining = search.budget
        if not search.gaps:
            return OrderCompleteness(True, None)  # this part alone always holds a step
        parts.append(min(search.gaps, key=_simplest))
    gap = Gap(
        tuple(sorted((a for g in parts for a in g.atoms), key=_atom_order)),
        tuple(sorted(f for g in parts for f in g.facts)),
    )
    return OrderCompleteness(True, gap)


def _simplest(gap: Gap) -> tuple[int, list[str]]:
    return (len(gap.atoms) + len(gap.facts), gap.words()[1])


def _atom_order(item: tuple[Atom, bool]) -> tuple[str, str]:
    return (item[0][0], repr(item[0][1]))


def _independent(rs: Ruleset, negations: list[list[list[Lit]]]) -> list[list[list[list[Lit]]]]:
    """The negations in groups that read nothing in common (no atom, no fact, no kind: a
    rule's literals go with the other literals on its kind), smallest groups first. The order
    falls through when each group can; it is complete when one group cannot."""
    parent = list(range(len(negations)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, object], int] = {}
    for i, neg in enumerate(negations):
        for conj in neg:
            for lit in conj:
                node = lit.node
                key: tuple[str, object]
                if isinstance(node, Compare | Known | Presumed):
                    key = ("fact", node.fact)
                elif isinstance(node, KindRef):
                    key = ("kind", node.kind)
                elif isinstance(node, RuleRef) and node.rule in rs.rules:
                    key = ("kind", rs.rules[node.rule].kind)
                else:
                    key = (type(node).__name__, atom_key(node))
                j = owner.setdefault(key, i)
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(negations)):
        groups.setdefault(root(i), []).append(i)
    ordered = sorted(groups.values(), key=lambda g: (len(g), g[0]))
    return [[negations[i] for i in g] for g in ordered]


def order_complete(rs: Ruleset) -> bool:
    """``True`` when ``rs``'s decision order is proven complete (the walk's ``Program`` keeps
    it); an undecided order counts as incomplete."""
    return order_completeness(rs).complete


def check_order(rs: Ruleset) -> list[Diagnostic]:
    """RC166 (a warning) when the decision order can fall through: there is a combination of
    what its rules read in which no step holds, so such a case is referred (``refer``). The
    diagnostic names one such combination. It is located in the ruleset's own file (the one
    checked, not a base it extends): at the last step's (last) rule when that file declares
    it, where a final step would go; else at the last order rule the file declares; else at
    the file's ``rules``. An order too large to search gets an RC166 saying so. A ruleset
    without outcome rules gets nothing here (RC121 covers it)."""
    steps = order_steps(rs)
    if not steps:
        return []
    found = order_completeness(rs)
    if found.complete:
        return []
    loc = _order_location(rs, steps)
    if found.gap is None:
        return [
            Diagnostic(
                "RC166",
                loc,
                "认定顺序的条件太多，无法检查是否每个案件都有一步作出认定；"
                "认定时按不完整处理（尚有步骤不明时，集体研究（refer）也是可能的结论）",
                "the decision order is too large to verify that some step decides every case; "
                "decisions treat it as incomplete (refer stays possible while steps are open)",
                "把宽的条件拆分为几条中间规则 split wide conditions into intermediate rules",
                "warning",
            )
        ]
    zh_parts, en_parts = found.gap.words()
    if zh_parts:
        zh = f"认定顺序不完整：当 {'、'.join(zh_parts)} 时，没有一步作出认定，案件将提交集体研究（refer）"
        en = (
            f"the decision order is incomplete: when {', '.join(en_parts)}, no step decides "
            "and the case is referred (refer)"
        )
    else:
        zh = "认定顺序不完整：任何案件都没有一步作出认定，案件将提交集体研究（refer）"
        en = "the decision order is incomplete: no step decides any case, so every case is referred"
    return [
        Diagnostic(
            "RC166",
            loc,
            zh,
            en,
            "加上最后一步，在前面各步都不成立时作出认定；或让最后几步互补，如 national 的第 5 步"
            "（not any_rule: situation）与第 7 步（any_rule: situation） add a final step that "
            "holds when the others do not, or make the last steps complementary, as national's "
            "steps 5 (not any_rule: situation) and 7 (any_rule: situation) are",
            "warning",
        )
    ]


def _order_location(rs: Ruleset, steps: list[list[Rule]]) -> Location:
    own = rs.components[-1].path
    mine = [
        r for step in steps for r in step if r.src.file == own or r.src.file.endswith("/" + own)
    ]
    last = steps[-1][-1]
    if last in mine:
        return last.src
    if mine:
        return mine[-1].src
    return Location(own, 1, 1, ("rules",))


# --- the search ----------------------------------------------------------------------------


class _TooLarge(Exception):
    """The search went past :data:`SEARCH_LIMIT`."""


#: A partial combination: the atoms' values, and each fact's literals.
_State = tuple[frozenset[tuple[Atom, bool]], frozenset[tuple[str, frozenset[Lit]]]]


class _Search:
    def __init__(self, rs: Ruleset, negations: list[list[list[Lit]]], budget: int) -> None:
        self.rs = rs
        self.negations = negations
        self.members: dict[str, frozenset[str]] = {}
        self.gaps: list[Gap] = []
        self.budget = budget
        self.seen: set[tuple[int, _State]] = set()

    def run(self) -> None:
        self.go(0, {}, {})

    def go(self, i: int, atoms: dict[Atom, bool], facts: dict[str, frozenset[Lit]]) -> bool:
        """Extend the combination with a conjunction of step ``i``'s negation; ``True`` once
        enough gaps are collected."""
        key = (i, (frozenset(atoms.items()), frozenset(facts.items())))
        if key in self.seen:
            return False
        self.seen.add(key)
        if i == len(self.negations):
            self.gaps.append(self.gap(atoms, facts))
            return len(self.gaps) >= GAPS_COLLECTED
        for conj in self.negations[i]:
            self.budget -= 1
            if self.budget < 0:
                raise _TooLarge
            extended = self.extend(atoms, facts, conj)
            if extended is not None and self.go(i + 1, *extended):
                return True
        return False

    def extend(
        self, atoms: dict[Atom, bool], facts: dict[str, frozenset[Lit]], conj: list[Lit]
    ) -> tuple[dict[Atom, bool], dict[str, frozenset[Lit]]] | None:
        """The combination with ``conj`` added, or ``None`` when they cannot hold together."""
        new_atoms = dict(atoms)
        new_facts = dict(facts)
        touched: set[str] = set()
        kinds: set[str] = set()
        for lit in conj:
            node = lit.node
            if isinstance(node, Compare | Known):
                new_facts[node.fact] = new_facts.get(node.fact, frozenset()) | {lit}
                touched.add(node.fact)
                continue
            atom: Atom = (type(node).__name__, atom_key(node))
            if new_atoms.setdefault(atom, lit.positive) != lit.positive:
                return None
            if isinstance(node, KindRef):
                kinds.add(node.kind)
            elif isinstance(node, RuleRef) and node.rule in self.rs.rules:
                kinds.add(self.rs.rules[node.rule].kind)
            elif isinstance(node, Presumed):
                touched.add(node.fact)
        if any(not self.kind_ok(k, new_atoms) for k in sorted(kinds)):
            return None
        for fact in sorted(touched):
            if self.witness(fact, new_facts.get(fact, frozenset()), new_atoms) is _NONE:
                return None
        return new_atoms, new_facts

    def kind_members(self, kind: str) -> frozenset[str]:
        found = self.members.get(kind)
        if found is None:
            agg = self.rs.aggregated(kind)  # type: ignore[arg-type]
            found = self.members[kind] = frozenset(r.id for r in agg)
        return found

    def kind_ok(self, kind: str, atoms: Mapping[Atom, bool]) -> bool:
        """``any_rule`` / ``all_rules`` of ``kind`` agree with each other and with the literals
        on the kind's own rules."""
        members = self.kind_members(kind)
        own = [atoms[a] for a in (("RuleRef", m) for m in sorted(members)) if a in atoms]
        every = len(own) == len(members)
        some_true, some_false = any(own), not all(own)
        anyv = atoms.get(("KindRef", (kind, "any")))
        allv = atoms.get(("KindRef", (kind, "all")))
        if anyv is not None:
            if anyv and (not members or (every and not any(own))):
                return False  # some rule of the kind holds, yet none can
            if not anyv and some_true:
                return False
        if allv is not None:
            if allv and some_false:
                return False
            if not allv and (not members or (every and all(own))):
                return False  # not every rule of the kind holds, yet each does
        return not (anyv is False and allv is True and members)

    def witness(
        self, fact: str, lits: frozenset[Lit], atoms: Mapping[Atom, bool]
    ) -> FactValue | object | None:
        """A value of ``fact`` meeting every literal on it (``None``: unknown), or ``_NONE``."""
        ordered = sorted(lits, key=repr)
        known = atoms.get(("Presumed", fact)) is True  # a presumed value is a value
        for value in sample_values(self.rs.facts.get(fact), ordered):
            if value is None and known:
                continue
            if all(lit_holds(lit, value) for lit in ordered):
                return value
        return _NONE

    def gap(self, atoms: dict[Atom, bool], facts: dict[str, frozenset[Lit]]) -> Gap:
        values: list[tuple[str, FactValue | None]] = []
        for fact in sorted(facts):
            value = self.witness(fact, facts[fact], atoms)
            assert value is not _NONE  # extend kept only facts that can be met
            values.append((fact, value))  # type: ignore[arg-type]
        return Gap(tuple(sorted(atoms.items(), key=_atom_order)), tuple(values))


_NONE = object()  # no value of a fact meets its literals


def _sort_name(kind: str, key: object) -> str:
    if isinstance(key, tuple):
        return str(key[0])
    return str(key)


def _atom_words(kind: str, key: object, value: bool) -> tuple[str, str]:
    if kind == "KindRef":
        assert isinstance(key, tuple)
        k, quantifier = key
        if quantifier == "any":
            if value:
                return f"有 {k} 规则成立", f"some {k} rule holds"
            return f"没有 {k} 规则成立", f"no {k} rule holds"
        if value:
            return f"所有 {k} 规则都成立", f"every {k} rule holds"
        return f"并非所有 {k} 规则都成立", f"not every {k} rule holds"
    if kind == "Claimed":
        return (
            (f"援引 {key}", f"{key} is claimed")
            if value
            else (
                f"未援引 {key}",
                f"{key} is not claimed",
            )
        )
    if kind == "Presumed":
        if value:
            return f"事实 {key} 为推定值", f"fact {key} is presumed"
        return f"事实 {key} 不是推定值", f"fact {key} is not presumed"
    if value:
        return f"{key} 成立", f"{key} holds"
    return f"{key} 不成立", f"{key} does not hold"


def _value_text(value: FactValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(value)) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
