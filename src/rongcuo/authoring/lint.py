"""``rongcuo lint``: weaknesses of a ruleset's logic that ``check`` does not call errors.

``check`` finds rulesets that are *wrong* (an undeclared fact, a cycle, a condition that
contradicts itself). ``lint`` runs on a ruleset that ``check`` finds clean and looks for logic
that is *weak*: a situation that adds nothing, an exclusion that never matters on its own, cases
that no rule speaks to. Every finding is a warning with a stable code, located at the rule (or
fact) it concerns, with a Chinese and an English message and a hint.

Findings
--------
RC501  a situation subsumed by another: whenever situation A holds, situation B holds too, so A
       adds nothing (situations have no outcome of their own: any one of them suffices). Reported
       on A; two equivalent situations are reported once, on the one declared later. When A is
       covered only once exclusions are taken into account (A ∧ no exclusion ⇒ B: the cases where
       A holds without B are all excluded anyway) the message says so. Situations that a rule
       reads by name (``rule: A``, as ``order_dissent`` does) matter on their own and are skipped.
RC502  a situation that can lead nowhere: it can never hold, or every case in which it holds has
       an exclusion too (so it can never yield tolerance or mitigation). The message names a
       smallest set of exclusions that blocks it.
RC503  an exclusion shadowed by others: whenever it holds, another exclusion (or one of a few
       others) holds too, so it never changes an outcome on its own. Still legitimate to keep for
       its citation, hence a warning. Exclusions read by name are skipped.
RC504  gaps: combinations of facts under which no situation and no exclusion holds (no case is
       claimed for the committee): the measure neither grants nor refuses tolerance there, and the
       decision order's fallback decides. Gaps are grouped into the most general fact patterns,
       at most ``MAX_GAPS`` of them, the widest first; each comes with an example case (a YAML
       ``facts`` mapping) in the hint.
RC505  a declared fact that no rule reads (facts read only by look or distinction rules count as
       read; a fact's ``looks:`` list is not a read).
RC506  a rule of any kind without a citation (``cite``).
RC507  a declared fact without a ``question:``: when the fact is missing, the decision and the
       memo cannot tell the investigator what to ask to establish it.
RC508  an inherited fact restated (``replaces: true``) with no comment just above it saying why.

How each finding is searched for is described in :mod:`rongcuo.authoring.lint_search`, which
holds the space of cases (:class:`Space`), its questions and the gap search; the cubes that
search reasons with are in :mod:`rongcuo.authoring.lint_cubes`, and the way messages show fact
values in :mod:`rongcuo.authoring.lint_text`. This module holds the findings: which questions to
ask, and the diagnostics their answers give.

The output is deterministic: fixed iteration orders and a fixed seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rongcuo.authoring.lint_cubes import Cube
from rongcuo.authoring.lint_search import GapSearch, Goal, Space
from rongcuo.authoring.lint_text import describe_range, describe_sets, show_value, yaml_flow
from rongcuo.errors import Diagnostic, Location, sort_diagnostics
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import Rule, RuleRef, Ruleset, walk

MAX_GAPS = 5  # gap patterns reported

KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "look": "六看",
    "distinction": "三个区分开来",
    "mitigating": "从轻减轻情形",
    "aggravating": "从重加重情形",
    "outcome": "认定顺序",
}


def lint(ruleset: Ruleset) -> list[Diagnostic]:
    """Every weakness (RC501–RC508) of a ruleset that ``check`` finds clean, sorted."""
    return sort_diagnostics(_Linter(ruleset).run())


def _minimal(items: Sequence[str], enough: Callable[[list[str]], bool]) -> list[str]:
    """A subset of ``items`` that is still ``enough`` and has no member to spare (greedy)."""
    kept = list(items)
    for item in items:
        trial = [k for k in kept if k != item]
        if trial and enough(trial):
            kept = trial
    return kept


def _sampled_note(n: int) -> tuple[str, str]:
    if not n:
        return "", ""
    return (
        f"（此结论由随机抽查 {n} 个事实组合得出，未穷举）",
        f" (found by sampling {n} fact combinations, not exhaustively)",
    )


# --- the findings ------------------------------------------------------------------------


class _Linter:
    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.space = Space(rs)
        self.diags: list[Diagnostic] = []
        self.situations = [r for r in rs.aggregated("situation") if r.when is not None]
        self.exclusions = [r for r in rs.aggregated("exclusion") if r.when is not None]
        self.position = {rid: i for i, rid in enumerate(rs.rules)}
        self.by_name: set[str] = set()  # rules some condition reads by name
        for rule in rs.rules.values():
            for node in walk(rule.when) if rule.when is not None else ():
                if isinstance(node, RuleRef):
                    self.by_name.add(node.rule)
        self.dead: set[str] = set()  # situations that lead nowhere (RC502)

    def warn(self, code: str, loc: Location, zh: str, en: str, hint: str) -> None:
        self.diags.append(Diagnostic(code, loc, zh, en, hint, "warning"))

    def run(self) -> list[Diagnostic]:
        self.dead_situations()
        self.subsumed_situations()
        self.shadowed_exclusions()
        self.gaps()
        self.unread_facts()
        self.uncited_rules()
        self.unasked_facts()
        self.unexplained_replacements()
        return self.diags

    def no_exclusion(self) -> Goal:
        return {e.id: False for e in self.exclusions}

    # --- RC502 ----------------------------------------------------------------------------

    def dead_situations(self) -> None:
        for s in self.situations:
            alone = self.space.exists({s.id: True})
            if alone.witness is None:
                self.dead.add(s.id)
                zh, en = _sampled_note(alone.sampled)
                self.warn(
                    "RC502",
                    s.src,
                    f"容错情形 {s.id} 在任何事实组合下都不成立，不可能导致容错或从轻{zh}",
                    f"situation {s.id} holds under no combination of facts, so it can never "
                    f"lead to tolerance or mitigation{en}",
                    "检查其条件是否写错 check its condition for a mistake",
                )
                continue
            found = self.space.exists({s.id: True, **self.no_exclusion()})
            if found.witness is not None:
                continue
            self.dead.add(s.id)
            sampled = found.sampled

            def blocks(subset: list[str], sid: str = s.id) -> bool:
                nonlocal sampled
                answer = self.space.exists({sid: True, **dict.fromkeys(subset, False)})
                sampled = max(sampled, answer.sampled)
                return answer.witness is None

            blockers = _minimal([e.id for e in self.exclusions], blocks)
            names = "、".join(blockers)
            zh, en = _sampled_note(sampled)
            one = len(blockers) == 1
            self.warn(
                "RC502",
                s.src,
                f"容错情形 {s.id} 不可能导致容错或从轻：凡它成立时，"
                + (
                    f"不予容错情形 {names} 必然成立"
                    if one
                    else f"不予容错情形 {names} 中必有一项成立"
                )
                + zh,
                f"situation {s.id} can never lead to tolerance or mitigation: whenever it holds, "
                + (f"the exclusion {blockers[0]} holds too" if one else "one of the exclusions ")
                + ("" if one else ", ".join(blockers) + " holds too")
                + en,
                "放宽该情形或收窄这些不予容错情形；若此情形本就只适用于被排除的案件，删除它 "
                "widen the situation or narrow those exclusions; drop it if it only ever "
                "describes excluded cases",
            )

    # --- RC501 ----------------------------------------------------------------------------

    def covers(self, a: Rule, b: Rule, extra: Goal) -> tuple[bool, int]:
        """Whether ``b`` holds whenever ``a`` does (and ``extra`` has its values)."""
        answer = self.space.exists({a.id: True, b.id: False, **extra})
        return answer.witness is None, answer.sampled

    def subsumed_situations(self) -> None:
        live = [s for s in self.situations if s.id not in self.dead]
        strict: dict[str, list[Rule]] = {}
        sampled: dict[str, int] = {}
        for a in live:
            strict[a.id] = []
            for b in live:
                if b is not a:
                    covered, n = self.covers(a, b, {})
                    if covered:
                        strict[a.id].append(b)
                        sampled[a.id] = max(sampled.get(a.id, 0), n)
        for a in live:
            if a.id in self.by_name:
                continue
            equivalent = [b for b in strict[a.id] if a in strict[b.id]]
            # two equivalent situations: report the one declared later only
            wider = [
                b
                for b in strict[a.id]
                if b not in equivalent
                or self.position[b.id] < self.position[a.id]
                or b.id in self.by_name
            ]
            n = sampled.get(a.id, 0)
            loose: list[Rule] = []
            if not strict[a.id]:
                for b in live:
                    if b is not a:
                        covered, m = self.covers(a, b, self.no_exclusion())
                        if covered:
                            loose.append(b)
                            n = max(n, m)
            zh_note, en_note = _sampled_note(n)
            hint = (
                f"若 {a.id} 本应覆盖更多情形，放宽其条件；否则可删除（继承的规则用 disable 停用）；"
                "为引用原文条款而保留也可以 widen its condition if it should cover more, "
                "otherwise drop it (disable: an inherited one); keeping it to cite its clause is fine"
            )
            if wider:
                names = [b.id for b in wider]
                same = [b.id for b in wider if b in equivalent]
                if same:
                    zh = f"容错情形 {a.id} 与 {'、'.join(same)} 等价：二者在完全相同的事实组合下成立，{a.id} 是重复的"
                    en = (
                        f"situation {a.id} is equivalent to {', '.join(same)}: they hold under "
                        f"exactly the same facts, so {a.id} is a duplicate"
                    )
                else:
                    zh = (
                        f"容错情形 {a.id} 被 {'、'.join(names)} 覆盖：凡 {a.id} 成立时，"
                        f"{names[0]} 也成立，{a.id} 不增加新的容错情形"
                    )
                    en = (
                        f"situation {a.id} is subsumed by {', '.join(names)}: whenever {a.id} "
                        f"holds, {names[0]} holds too, so {a.id} adds nothing"
                    )
                self.warn("RC501", a.src, zh + zh_note, en + en_note, hint)
            elif loose:
                names = [b.id for b in loose]
                why = self.excluded_difference(a, loose[0])
                self.warn(
                    "RC501",
                    a.src,
                    f"容错情形 {a.id} 被 {'、'.join(names)} 覆盖（不计已被排除的案件）：凡 {a.id} "
                    f"成立且没有不予容错情形时，{names[0]} 也成立；{a.id} 成立而 {names[0]} "
                    f"不成立的案件都已被不予容错情形 {why} 排除" + zh_note,
                    f"situation {a.id} is subsumed by {', '.join(names)} once exclusions are "
                    f"counted: whenever {a.id} holds and no exclusion does, {names[0]} holds too; "
                    f"the cases where {a.id} holds without {names[0]} are all excluded "
                    f"(by {why.replace('、', ', ')})" + en_note,
                    hint,
                )

    def excluded_difference(self, a: Rule, b: Rule) -> str:
        """The fewest exclusions that exclude every case where ``a`` holds and ``b`` does not."""

        def enough(subset: list[str]) -> bool:
            goal = {a.id: True, b.id: False, **dict.fromkeys(subset, False)}
            return self.space.exists(goal).witness is None

        return "、".join(_minimal([e.id for e in self.exclusions], enough))

    # --- RC503 ----------------------------------------------------------------------------

    def shadowed_exclusions(self) -> None:
        live = [e for e in self.exclusions if self.space.exists({e.id: True}).witness is not None]
        single: dict[str, list[Rule]] = {}
        sampled: dict[str, int] = {}
        for e in live:
            single[e.id] = []
            for f in self.exclusions:
                if f is not e:
                    answer = self.space.exists({e.id: True, f.id: False})
                    if answer.witness is None:
                        single[e.id].append(f)
                        sampled[e.id] = max(sampled.get(e.id, 0), answer.sampled)
        hint = (
            "为引用原文条款而保留即可；若它本应覆盖更多情形，放宽其条件 keeping it to cite its "
            "clause is fine; widen its condition if it should cover more"
        )
        for e in live:
            if e.id in self.by_name:
                continue
            shadows = [
                f
                for f in single[e.id]
                if f.id not in single
                or e not in single[f.id]
                or self.position[f.id] < self.position[e.id]
                or f.id in self.by_name
            ]
            n = sampled.get(e.id, 0)
            if shadows:
                names = [f.id for f in shadows]
                zh_note, en_note = _sampled_note(n)
                self.warn(
                    "RC503",
                    e.src,
                    f"不予容错情形 {e.id} 被 {'、'.join(names)} 遮蔽：凡 {e.id} 成立时，"
                    f"{names[0]} 也成立，{e.id} 本身从不改变认定结论" + zh_note,
                    f"exclusion {e.id} is shadowed by {', '.join(names)}: whenever {e.id} "
                    f"holds, {names[0]} holds too, so {e.id} never changes an outcome on its "
                    "own" + en_note,
                    hint,
                )
                continue
            if single[e.id]:
                continue  # equivalent to a later one, which is reported
            others = [f.id for f in self.exclusions if f is not e]
            if not others:
                continue
            answer = self.space.exists({e.id: True, **dict.fromkeys(others, False)})
            if answer.witness is not None:
                continue
            n = answer.sampled

            def enough(subset: list[str], eid: str = e.id) -> bool:
                nonlocal n
                found = self.space.exists({eid: True, **dict.fromkeys(subset, False)})
                n = max(n, found.sampled)
                return found.witness is None

            names = _minimal(others, enough)
            zh_note, en_note = _sampled_note(n)
            self.warn(
                "RC503",
                e.src,
                f"不予容错情形 {e.id} 被 {'、'.join(names)} 遮蔽：凡 {e.id} 成立时，"
                f"其中至少一项也成立，{e.id} 本身从不改变认定结论" + zh_note,
                f"exclusion {e.id} is shadowed by {', '.join(names)}: whenever {e.id} holds, "
                f"at least one of them holds too, so {e.id} never changes an outcome on its "
                "own" + en_note,
                hint,
            )

    # --- RC504 ----------------------------------------------------------------------------

    def gaps(self) -> None:
        sids = [s.id for s in self.situations]
        goal: Goal = {**dict.fromkeys(sids, False), **self.no_exclusion()}
        if not goal:
            return
        gaps, partial, sampled = GapSearch(self.space, self.situations).find(goal)
        if not gaps:
            return
        total = len(gaps)
        loc = self.gap_location()
        for k, gap in enumerate(gaps[:MAX_GAPS], start=1):
            zh_desc, en_desc = self.describe(gap.pattern)
            zh_note, en_note = _sampled_note(sampled)
            count_zh = f"{k}/{total}" + ("+（未能全部列出）" if partial else "")
            count_en = f"{k}/{total}" + ("+ (not all listed)" if partial else "")
            self.warn(
                "RC504",
                loc,
                f"缺口 {count_zh}：{zh_desc}没有任何不予容错情形成立时，没有任何容错情形适用，"
                "认定只能落到认定顺序的兜底步骤" + zh_note,
                f"gap {count_en}: when {en_desc}no exclusion holds, no situation "
                "applies either, and only the fallback steps of the decision order decide"
                + en_note,
                "例 example: facts: "
                + yaml_flow(gap.example)
                + "；这类案件应予容错的，增加一项容错情形，应当排除的，增加一项不予容错情形 "
                "add a situation if such cases deserve tolerance, an exclusion if they do not",
            )

    def gap_location(self) -> Location:
        """Where gaps are reported: the first situation of the ruleset's own file."""
        own = [r for r in self.rs.rules.values() if r.ruleset == self.rs.id]
        first = next((r for r in own if r.kind == "situation"), own[0] if own else None)
        if first is not None:
            return first.src
        if self.situations:
            return self.situations[0].src
        return Location(self.rs.components[-1].path, 1, 1, ("rules",))

    def describe(self, cube: Cube) -> tuple[str, str]:
        """The pattern as the start of "… no exclusion holds" (empty: every case)."""
        if not cube:
            return "", ""
        parts = [
            self.describe_var(v, cube[v]) for v in sorted(cube, key=self.space.rank.__getitem__)
        ]
        return "，".join(parts) + "，且", ", ".join(parts) + " and "

    def describe_var(self, var: str, allowed: frozenset[int]) -> str:
        values = self.space.domains[var]
        decl = self.rs.facts[var]
        if decl.type in ("number", "date"):
            return describe_range(var, values, self.space.consts[var], allowed)
        if decl.multiple:
            keys = [k for k, _ in decl.values]
            described = describe_sets(var, keys, values, allowed)
            if described is not None:
                return described
        inside = [show_value(values[i]) for i in sorted(allowed)]
        outside = [show_value(v) for i, v in enumerate(values) if i not in allowed]
        if len(inside) == 1:
            return f"{var} = {inside[0]}"
        if len(outside) == 1:
            return f"{var} ≠ {outside[0]}"
        if len(inside) <= len(outside):
            return f"{var} ∈ {{{', '.join(inside)}}}"
        return f"{var} ∉ {{{', '.join(outside)}}}"

    # --- RC505, RC506, RC507 --------------------------------------------------------------

    def unread_facts(self) -> None:
        read: set[str] = set()
        for rule in self.rs.rules.values():
            read.update(self.rs.graph.facts.get(rule.id, ()))
        # a fact other facts are presumed from (national's work_area) decides through them
        for decl in self.rs.facts.values():
            for presumption in decl.presume:
                if presumption.when is not None:
                    read.update(fact_dependencies(presumption.when))
        for fact in self.rs.facts.values():
            # an allegation's facts are all shown in the clearing section, read or not
            if fact.id not in read and fact.scope != "allegation":
                self.warn(
                    "RC505",
                    fact.src,
                    f"事实 {fact.id}（{fact.label}）已声明，但没有任何规则读取它",
                    f"fact {fact.id} is declared but no rule reads it",
                    "在规则中使用它，或删除声明；基线中供地方规则集使用的事实可以忽略此提示 "
                    "use it in a rule or drop it; a baseline fact meant for local rulesets may stay",
                )

    def uncited_rules(self) -> None:
        for rule in self.rs.rules.values():
            if rule.cite is None:
                kind = KIND_ZH.get(rule.kind, rule.kind)
                self.warn(
                    "RC506",
                    rule.src,
                    f"{kind}规则 {rule.id} 没有引用条款（cite）",
                    f"{rule.kind} rule {rule.id} cites no clause (cite)",
                    "加上 add cite: {doc: …, clause: …, text: …}",
                )

    def unexplained_replacements(self) -> None:
        # a local ruleset may presume an inherited fact otherwise, and must say why (catalogue
        # §6): the reason is a comment above the declaration, which only the file shows
        for fact in self.rs.facts.values():
            if fact.replaces and not fact.commented:
                self.warn(
                    "RC508",
                    fact.src,
                    f"改写继承的事实 {fact.id}（{fact.label}）而没有在声明前用注释说明理由",
                    f"the inherited fact {fact.id} is replaced without a comment above it saying "
                    "why",
                    "在声明前加一行注释，写明为什么改变它的推定或措辞 add a comment line above "
                    "the declaration: why its presumption or wording changes here",
                )

    def unasked_facts(self) -> None:
        # the question is what a decision prints beside a missing fact (the investigator's
        # next step), so a fact without one leaves the file with nothing to ask
        for fact in self.rs.facts.values():
            if not fact.question.strip():
                self.warn(
                    "RC507",
                    fact.src,
                    f"事实 {fact.id}（{fact.label}）没有 question：缺少这项事实时，"
                    "无法告诉调查人员该问什么",
                    f"fact {fact.id} has no question: when it is missing, the investigator is "
                    "not told what to ask to establish it",
                    f"在声明中加上 add {{id: {fact.id}, …, question: ……？}}：用一句中文写出"
                    "调查人员为查明这项事实要问的问题 one Chinese sentence: what an "
                    "investigator asks to establish the fact",
                )
