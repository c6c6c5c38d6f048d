"""What the ruleset pages show: takes an effective ruleset, its chain of version files, the
ruleset it extends and its scenario report, gives a :class:`View` whose methods build each
section of the page (rules with their conditions in plain Chinese, clauses and origins, the six
looks, the three distinctions, the decision order, the procedure, the clearing rules, the
outcomes, the documents, the coverage) as :class:`RuleView` and plain mappings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rongcuo.authoring.scenario import COVERED_KINDS
from rongcuo.ruleset.model import (
    ANCHORS,
    Citation,
    Rule,
    Ruleset,
    RulesetFile,
    TimeLimit,
)
from rongcuo.ruleset.prose import KIND_ZH, condition_zh
from rongcuo.web.ruleset_coverage import ScenarioReport

#: The sections of rules on a ruleset page, in the order an officer reads them.
RULE_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("situation", "容错情形", "situations"),
    ("exclusion", "不予容错情形", "exclusions"),
    ("precondition", "容错条件", "preconditions"),
    ("mitigating", "从轻、减轻问责情形", "mitigating"),
    ("aggravating", "从重、加重问责情形", "aggravating"),
)
FINDING_ZH = {"favourable": "有利", "unfavourable": "不利", "neutral": "中性"}
SIDE_ZH = {"tolerable": "可容错的一方", "intolerable": "不可容错的一方"}


@dataclass(frozen=True)
class Origin:
    """Where a rule (or parameter) comes from: ``own`` (defined here), ``replaces`` (replaces
    the rule of the same id of ``base``) or ``inherited`` (from ``base``)."""

    kind: str
    base: str
    text: str


@dataclass(frozen=True)
class Cite:
    """A citation as a page quotes it."""

    doc_title: str
    clause: str
    text: str


@dataclass(frozen=True)
class RuleView:
    """One rule as a page shows it."""

    id: str
    kind: str
    kind_zh: str
    label: str
    prose: str
    cite: Cite | None
    origin: Origin
    note: str
    referral: bool
    covered: bool | None  # None: its kind is not counted by the coverage
    extra: list[tuple[str, str]]  # what its kind adds: (what, value)
    replaced: RuleView | None = None  # the base's rule it replaces
    finding: str = ""  # a look rule's finding (favourable, unfavourable, neutral)
    step: int | None = None  # a decision-order rule's step


class View:
    """The pieces of one effective ruleset that its pages show, built from the ruleset, its
    version files and the ruleset it extends."""

    def __init__(
        self,
        rs: Ruleset,
        base: Ruleset | None,
        chain: list[RulesetFile],
        report: ScenarioReport | None,
    ) -> None:
        self.rs = rs
        self.base = base
        self.chain = chain
        self.report = report
        self.coverage = None if report is None else report.coverage.get(rs.content_hash)
        uncovered = set() if self.coverage is None else {u.id for u in self.coverage.uncovered}
        self._uncovered = uncovered

    def cite(self, c: Citation | None) -> Cite | None:
        """A citation with its document's title."""
        if c is None:
            return None
        doc = self.rs.documents.get(c.doc)
        if doc is None and self.base is not None:
            doc = self.base.documents.get(c.doc)
        title = doc.title if doc is not None else c.doc
        if doc is not None and doc.number:
            title = f"{title}（{doc.number}）"
        return Cite(title, c.clause, c.text)

    def origin(self, owner: str, replaces: bool) -> Origin:
        """Where something declared by the file ``owner`` comes from, seen from this ruleset."""
        rs = self.rs
        base = self.base.id if self.base is not None else ""
        if owner and owner != rs.id:
            return Origin("inherited", owner, f"继承自 {owner}（未作改动）")
        if replaces:
            return Origin("replaces", base, f"本规则集替换了 {base} 的同名规则")
        return Origin("own", "", "本规则集定义")

    def rule(self, r: Rule, with_base: bool = True) -> RuleView:
        """A rule as a page shows it."""
        rs = self.rs
        replaced = None
        if with_base and r.replaces and self.base is not None and r.id in self.base.rules:
            base_view = View(self.base, None, self.chain[:-1], None)
            replaced = base_view.rule(self.base.rules[r.id], with_base=False)
        return RuleView(
            id=r.id,
            kind=r.kind,
            kind_zh=KIND_ZH.get(r.kind, r.kind),
            label=r.label,
            prose=condition_zh(r.when, rs),
            cite=self.cite(r.cite),
            origin=self.origin(r.ruleset, r.replaces),
            note=r.note,
            referral=r.referral,
            covered=None
            if r.kind not in COVERED_KINDS or self.coverage is None
            else r.id not in self._uncovered,
            extra=self._extra(r),
            replaced=replaced,
            finding=r.finding,
            step=r.step if r.kind == "outcome" else None,
        )

    def _extra(self, r: Rule) -> list[tuple[str, str]]:
        rs = self.rs
        out: list[tuple[str, str]] = []
        if r.referral:
            out.append(("认定方式", "无列明的条件：申请人援引的，提请党委（党组）研究认定"))
        if r.pairs_with:
            paired = rs.rules.get(r.pairs_with)
            out.append(("不满足时计为", paired.label if paired else r.pairs_with))
        if r.look:
            look = rs.looks.get(r.look)
            out.append(("所属一看", look.label if look else r.look))
        if r.finding:
            out.append(("成立时该看的结论", FINDING_ZH.get(r.finding, r.finding)))
        if r.distinction:
            d = rs.distinctions.get(r.distinction)
            out.append(("所属区分", d.label if d else r.distinction))
        if r.side:
            out.append(("成立时归于", SIDE_ZH.get(r.side, r.side)))
        if r.kind == "outcome":
            outcome = rs.outcomes.get(r.outcome)
            out.append(("认定顺序", f"第 {r.step} 步"))
            out.append(("成立时认定为", outcome.label if outcome else r.outcome))
        if r.method and rs.clearing is not None:
            named = {m.id: m.label for m in rs.clearing.methods}
            out.append(("澄清方式", named.get(r.method, r.method)))
        if r.handling and rs.clearing is not None:
            named = {h.id: h.label for h in rs.clearing.handlings}
            out.append(("对举报人的处理", named.get(r.handling, r.handling)))
        return out

    def rules_of(self, *kinds: str) -> list[RuleView]:
        """The rules of ``kinds``: this ruleset's own in the order its file declares them (its
        clause order: 第五条第（一）项 …), then the inherited ones in theirs."""
        own = {r.id: i for i, r in enumerate(self.chain[-1].rules)} if self.chain else {}
        rules = [r for r in self.rs.rules.values() if r.kind in kinds]
        ranked = sorted(
            enumerate(rules),
            key=lambda pair: (0, own[pair[1].id]) if pair[1].id in own else (1, pair[0]),
        )
        return [self.rule(r) for _, r in ranked]

    def sections(self) -> list[dict[str, Any]]:
        """The sections of plain rules (situations … aggravating grounds) that have rules."""
        out = []
        for kind, title, anchor in RULE_SECTIONS:
            rules = self.rules_of(kind)
            if rules:
                out.append({"kind": kind, "title": title, "anchor": anchor, "rules": rules})
        return out

    def looks(self) -> list[dict[str, Any]]:
        """The six looks: each with its question, the facts declared to inform it, and its
        rules by what they find."""
        rs = self.rs
        out = []
        for look in rs.looks.values():
            facts = [
                {"id": f.id, "label": f.label, "question": f.question}
                for f in rs.facts.values()
                if look.id in f.looks
            ]
            rules = [
                self.rule(r) for r in rs.rules.values() if r.kind == "look" and r.look == look.id
            ]
            out.append(
                {
                    "id": look.id,
                    "label": look.label,
                    "question": look.question,
                    "facts": facts,
                    "rules": rules,
                }
            )
        return out

    def distinctions(self) -> list[dict[str, Any]]:
        """The three distinctions with the rules of each side."""
        rs = self.rs
        return [
            {
                "label": d.label,
                "tolerable": d.tolerable,
                "intolerable": d.intolerable,
                "rules": [
                    self.rule(r)
                    for r in rs.rules.values()
                    if r.kind == "distinction" and r.distinction == d.id
                ],
            }
            for d in rs.distinctions.values()
        ]

    def order(self) -> list[RuleView]:
        """The decision order's rules, step by step."""
        rules = sorted(self.rs.rules_of("outcome"), key=lambda r: r.step)
        return [self.rule(r) for r in rules]

    def procedure(self) -> dict[str, Any]:
        """The procedure's steps with their time limits, where the procedure comes from, and
        the parameters with their values and clauses."""
        rs = self.rs
        owner = next((f.id for f in reversed(self.chain) if f.procedure), "")
        steps = [
            {
                "label": s.label,
                "description": s.description,
                "limit": self.limit(s.time_limit),
                "cite": self.cite(s.cite),
            }
            for s in rs.procedure
        ]
        params = [
            {
                "id": p.id,
                "label": p.label,
                "value": p.display(),
                "cite": self.cite(p.cite),
                "origin": self.origin(p.ruleset, p.replaces),
            }
            for p in rs.parameters.values()
        ]
        return {"steps": steps, "origin": self.origin(owner, False), "parameters": params}

    def limit(self, t: TimeLimit | None) -> str:
        """A time limit in words: 15个工作日（自受理申请或启动程序之日起），可延长15个工作日."""
        if t is None:
            return "不设固定期限"
        text = f"{t.working_days}个工作日"
        if t.working_days_param in self.rs.parameters:
            text += f"（参数「{self.rs.parameters[t.working_days_param].label}」）"
        if t.anchor:
            text = f"自{ANCHORS.get(t.anchor, t.anchor)}起{text}"
        elif t.starts:
            text = f"自{t.starts}起{text}"
        if t.extendable_by:
            text += f"，可延长{t.extendable_by}个工作日"
        return text

    def clearing(self) -> dict[str, Any] | None:
        """The clearing block and the clearing rules (None when there are neither)."""
        rs = self.rs
        rules = self.rules_of("strike", "clearing", "clearing_method", "reporter_handling")
        c = rs.clearing
        if c is None and not rules:
            return None

        def named(items: Any) -> list[dict[str, Any]]:
            return [
                {"label": n.label, "definition": n.definition, "cite": self.cite(n.cite)}
                for n in items
            ]

        return {
            "by": c.by if c else "",
            "by_cite": self.cite(c.by_cite) if c else None,
            "deadline": self.limit(c.deadline) if c and c.deadline else "",
            "deadline_cite": self.cite(c.deadline_cite) if c else None,
            "kinds": named(c.kinds) if c else [],
            "methods": named(c.methods) if c else [],
            "handlings": named(c.handlings) if c else [],
            "groups": [
                (KIND_ZH[k], [r for r in rules if r.kind == k])
                for k in ("strike", "clearing", "clearing_method", "reporter_handling")
                if any(r.kind == k for r in rules)
            ],
        }

    def outcomes(self) -> list[dict[str, Any]]:
        """The outcomes, lightest first, with what follows each."""
        rs = self.rs
        ranked = sorted(rs.outcomes.values(), key=lambda o: (o.rank is None, o.rank or 0))
        return [
            {
                "id": o.id,
                "label": o.label,
                "rank": o.rank,
                "effects": [
                    {"text": e.text, "cite": self.cite(e.cite)}
                    for e in rs.effects.values()
                    if e.outcome == o.id
                ],
            }
            for o in ranked
        ]

    def disabled(self) -> list[dict[str, str]]:
        """The inherited rules this ruleset's own files switch off (``disable``)."""
        out = []
        for f in self.chain[1:]:
            for name, _ in f.disable:
                label = name
                if self.base is not None and name in self.base.rules:
                    label = self.base.rules[name].label
                out.append({"id": name, "label": label, "by": f.id})
        return out

    def documents(self) -> list[dict[str, Any]]:
        """The documents the ruleset declares, with how many of its rules cite each."""
        cited: dict[str, int] = {}
        for r in self.rs.rules.values():
            if r.cite is not None:
                cited[r.cite.doc] = cited.get(r.cite.doc, 0) + 1
        return [
            {
                "title": d.title,
                "number": d.number,
                "date": d.date.isoformat() if d.date else "",
                "issuer": d.issuer,
                "note": d.note,
                "rules": cited.get(d.id, 0),
            }
            for d in self.rs.documents.values()
        ]

    def coverage_summary(self) -> dict[str, Any] | None:
        """N/M rules covered and the percentage, by kind (None: not measured)."""
        c = self.coverage
        if c is None:
            return None
        return {
            "covered": c.covered,
            "total": c.total,
            "percent": f"{c.percent:.1f}",
            "by_kind": [
                (KIND_ZH.get(k, k), done, total) for k, (done, total) in c.by_kind.items() if total
            ],
            "uncovered": [(u.id, u.label) for u in c.uncovered],
        }
