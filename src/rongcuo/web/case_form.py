"""The case form of the workspace: takes a ruleset's fact declarations, gives the form a case is
filled in (the case header, the facts grouped by the six looks, allegations, evidence,
corrections and the claimed situations) as the template shows it, and the form's vocabulary:
its field names, what each part of a case is called, the rows of its repeatable sections.
Reading a submitted form back into a case, and a case into the form's values, is
web/case_read.py.

A fact is stated (a value), stated unknown (``不明``: no presumption applies) or left empty
(``未填``: read as the ruleset presumes, when it presumes).

Field names: ``f.<fact>`` a fact's value (several for a fact with several values), ``u.<fact>``
its 不明 box (number, date, text and several-value facts), ``shape.<fact>`` and
``order.<fact>`` how a loaded case wrote a several-value fact, ``claim`` the claimed
situations (``order.claims``), ``cadre.*`` (with ``cadre.id``), ``procedure.*``, ``body.kind`` and
``body.name`` (the accountability body), ``managing_department``, and rows ``al.N.*``
(allegations), ``ev.N.*`` (evidence), ``co.N.*`` (corrections), ``sa.N.*`` (sanctions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rongcuo.case.contract import BODY_KINDS, SANCTION_KINDS
from rongcuo.ruleset.declarations import ANCHORS, FactDecl
from rongcuo.ruleset.model import Ruleset

#: A submitted form: each field name with its values, in the order they came.
Values = dict[str, list[str]]

#: The 不明 choice's value for each way a case file says unknown; ``~`` is YAML's null.
UNKNOWN_TOKENS: dict[str, str | None] = {"unknown": "unknown", "不明": "不明", "~": None}
#: The most rows of one repeatable section a form is read with (more are ignored).
MAX_ROWS = 200
#: The case header's fields, with their Chinese names.
HEADER: tuple[tuple[str, str], ...] = (
    ("id", "案件编号"),
    ("title", "案件名称"),
    ("incident_date", "失误发生日期"),
    ("conduct_until", "行为终了日期"),
    ("narrative", "基本情况"),
)
CADRE: tuple[tuple[str, str], ...] = (
    ("name", "姓名"),
    ("position", "职务"),
    ("unit", "单位"),
    ("id", "干部编号"),
)
ALLEGATION_FIELDS = (
    "id",
    "summary",
    "finding",
    "kind",
    "signed",
    "informed",
    "spread",
    "when",
    "reporter_name",
)
EVIDENCE_FIELDS = ("id", "title", "supports")
CORRECTION_FIELDS = ("what", "who", "due")
#: A sanction row (catalogue §12): ``months`` only for party_probation (the probation).
SANCTION_FIELDS = ("kind", "decided_on", "months")
#: The allegation findings, spreads and reporter answers as the case contract names them
#: (catalogue §10), used when the ruleset declares no labels of its own.
FINDINGS: tuple[tuple[str, str], ...] = (
    ("substantiated", "属实"),
    ("partly_substantiated", "部分属实"),
    ("untrue", "失实、查无实据"),
    ("mistaken", "错告、误告"),
    ("fabricated", "诬告陷害"),
)
SPREADS: tuple[tuple[str, str], ...] = (
    ("unit", "本单位"),
    ("locality", "镇村、社区"),
    ("online", "网络"),
    ("public", "社会面"),
)
#: What each part of a case is called, for a diagnostic's field.
FIELD_NAMES: dict[str, str] = {
    **dict(HEADER),
    "cadre": "干部",
    "claimed_situations": "申请适用的容错情形",
    "facts": "事实",
    "evidence": "证据",
    "procedure": "程序节点",
    "corrections": "纠错措施",
    "allegations": "问题线索",
    "summary": "反映的问题",
    "finding": "核查结论",
    "kind": "诬告陷害的种类",
    "reporter": "举报人",
    "signed": "实名举报",
    "informed": "已反馈举报人",
    "reporter_name": "举报人姓名",
    "spread": "扩散范围",
    "concluded_on": "核查结论作出之日",
    "what": "纠错事项",
    "who": "责任人",
    "due": "完成时限",
    "supports": "支持的事实",
    **dict(CADRE),
    "id": "案件编号",  # the cadre's id is named by field_of (干部 · 干部编号)
    "sanction": "处分或组织处理",
    "decided_on": "作出之日",
    "months": "察看期（月）",
    "accountability_body": "问责机关",
    "managing_department": "干部管理部门",
    **ANCHORS,
}


def first(values: Mapping[str, Sequence[str]], name: str) -> str:
    """The first value of field ``name``, or ``""``."""
    got = values.get(name)
    return got[0] if got else ""


def form_facts(rs: Ruleset) -> list[FactDecl]:
    """The facts a form asks: those of the case, neither computed nor of an allegation."""
    return [f for f in rs.facts.values() if not f.computed and f.scope != "allegation"]


def situations(rs: Ruleset) -> list[tuple[str, str]]:
    """The situations a case may claim: id and label, in the ruleset's order."""
    return [(r.id, r.label) for r in rs.rules_of("situation")]


def row_indices(values: Mapping[str, Sequence[str]], prefix: str) -> list[int]:
    """The row numbers of section ``prefix`` (``al``, ``ev``, ``co``, ``sa``) the form holds."""
    found = set()
    pattern = re.compile(rf"^{prefix}\.(\d{{1,4}})\.\w+$")
    for name in values:
        m = pattern.match(name)
        if m and int(m.group(1)) < MAX_ROWS:
            found.add(int(m.group(1)))
    return sorted(found)


def filled_rows(
    values: Mapping[str, Sequence[str]], prefix: str, names: Sequence[str]
) -> list[dict[str, str]]:
    """The non-empty rows of a section, each field as typed (CR LF made LF)."""
    out = []
    for i in row_indices(values, prefix):
        row = {n: first(values, f"{prefix}.{i}.{n}").replace("\r\n", "\n") for n in names}
        if any(v.strip() for v in row.values()):
            out.append(row)
    return out


# The form as the template shows it.


@dataclass(frozen=True)
class Choice:
    """One choice of a radio group, select or checklist."""

    value: str
    label: str
    checked: bool = False


@dataclass(frozen=True)
class FactField:
    """One fact of the form, with its control and what is filled in."""

    id: str
    label: str
    question: str
    control: str  # radio, checkbox, number, date, text
    choices: tuple[Choice, ...] = ()
    text: str = ""
    unknown: bool = False
    unknown_token: str = "unknown"
    empty: bool = True
    presumptions: tuple[str, ...] = ()
    bounds: str = ""
    unit: str = ""
    shape: str = ""
    order: str = ""
    looks: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactGroup:
    """The facts shown under one look (the last group: facts of no look)."""

    id: str
    label: str
    question: str
    facts: tuple[FactField, ...]


@dataclass(frozen=True)
class FormView:
    """Everything the case form template shows."""

    values: Values
    groups: tuple[FactGroup, ...]
    claims: tuple[Choice, ...]
    claims_order: str
    allegations: tuple[dict[str, str], ...]
    evidence: tuple[dict[str, str], ...]
    corrections: tuple[dict[str, str], ...]
    sanctions: tuple[dict[str, str], ...]
    findings: tuple[Choice, ...]
    kinds: tuple[Choice, ...]
    spreads: tuple[Choice, ...]
    procedure: tuple[tuple[str, str, str], ...]
    header: dict[str, str] = field(default_factory=dict)
    #: the sanction kinds and the accountability bodies, as the case contract names them
    sanction_kinds: tuple[Choice, ...] = ()
    body_kinds: tuple[Choice, ...] = ()

    def value(self, name: str) -> str:
        """The first value of field ``name``."""
        return first(self.values, name)


def presumption_lines(decl: FactDecl) -> tuple[str, ...]:
    """What an empty ``decl`` is read as: each presumption's value and reason, in the order
    they are tried (a conditional one says so by its reason)."""
    return tuple(f"{decl.display(p.value)}（{p.reason}）" for p in decl.presume)


def _bounds(decl: FactDecl) -> str:
    """A number's bounds in words, e.g. ``不小于 0，不大于 1``."""
    parts = []
    for word, bound in (("不小于", decl.minimum), ("不大于", decl.maximum)):
        if bound is not None:
            shown = int(bound) if float(bound).is_integer() else bound
            parts.append(f"{word} {shown}{decl.unit}")
    return "，".join(parts)


def fact_field(decl: FactDecl, values: Mapping[str, Sequence[str]]) -> FactField:
    """The form field of ``decl`` filled with ``values``."""
    name = f"f.{decl.id}"
    common: dict[str, Any] = {
        "id": decl.id,
        "label": decl.label,
        "question": decl.question,
        "presumptions": presumption_lines(decl),
        "looks": decl.looks,
    }
    if decl.type in ("bool", "enum") and not decl.multiple:
        raw = first(values, name)
        token = raw if raw in UNKNOWN_TOKENS else "unknown"
        pairs = (("true", "是"), ("false", "否")) if decl.type == "bool" else decl.values
        choices = tuple(Choice(k, label, raw == k) for k, label in pairs)
        return FactField(
            control="radio",
            choices=choices,
            unknown=raw in UNKNOWN_TOKENS,
            unknown_token=token,
            empty=raw not in UNKNOWN_TOKENS and not any(c.checked for c in choices),
            **common,
        )
    raw_unknown = first(values, f"u.{decl.id}")
    unknown = raw_unknown in UNKNOWN_TOKENS
    token = raw_unknown if unknown else "unknown"
    if decl.type == "enum":
        picked = set(values.get(name, []))
        return FactField(
            control="checkbox",
            choices=tuple(Choice(k, label, k in picked) for k, label in decl.values),
            unknown=unknown,
            unknown_token=token,
            empty=not picked and not unknown,
            shape=first(values, f"shape.{decl.id}"),
            order=first(values, f"order.{decl.id}"),
            **common,
        )
    text = first(values, name)
    return FactField(
        control=decl.type if decl.type in ("number", "date") else "text",
        text=text,
        unknown=unknown,
        unknown_token=token,
        empty=text.strip() == "" and not unknown,
        bounds=_bounds(decl) if decl.type == "number" else "",
        unit=decl.unit,
        **common,
    )


def _section_rows(
    values: Mapping[str, Sequence[str]], prefix: str, names: Sequence[str], extra: int
) -> tuple[dict[str, str], ...]:
    """A section's filled rows, then ``extra`` empty ones, numbered afresh from 0."""
    rows = filled_rows(values, prefix, names)
    rows += [dict.fromkeys(names, "") for _ in range(max(extra, 0))]
    return tuple({"n": str(i), **row} for i, row in enumerate(rows))


def build_form(
    rs: Ruleset, values: Mapping[str, Sequence[str]], more: Mapping[str, int] | None = None
) -> FormView:
    """The form of ruleset ``rs`` filled with ``values``: each look's facts (a fact of several
    looks under its first), the facts of no look last; one empty row at the end of each
    repeatable section, plus ``more[section]`` (``al``, ``ev``, ``co``, ``sa``)."""
    more = more or {}
    groups: dict[str, list[FactField]] = {look: [] for look in rs.looks}
    rest: list[FactField] = []
    for decl in form_facts(rs):
        made = fact_field(decl, values)
        first_look = next((x for x in decl.looks if x in groups), None)
        (groups[first_look] if first_look else rest).append(made)
    shown = [
        FactGroup(look.id, look.label, look.question, tuple(groups[look.id]))
        for look in rs.looks.values()
        if groups[look.id]
    ]
    if rest:
        shown.append(FactGroup("other", "其他事实", "不属于六看的事实", tuple(rest)))
    claimed = set(values.get("claim", []))
    kind_decl = rs.facts.get("allegation_kind")
    finding_decl = rs.facts.get("allegation_finding")
    spread_decl = rs.facts.get("allegation_spread")
    return FormView(
        values={k: list(v) for k, v in values.items()},
        groups=tuple(shown),
        claims=tuple(Choice(i, label, i in claimed) for i, label in situations(rs)),
        claims_order=first(values, "order.claims"),
        allegations=_section_rows(values, "al", ALLEGATION_FIELDS, 1 + more.get("al", 0)),
        evidence=_section_rows(values, "ev", EVIDENCE_FIELDS, 1 + more.get("ev", 0)),
        corrections=_section_rows(values, "co", CORRECTION_FIELDS, 1 + more.get("co", 0)),
        sanctions=_section_rows(values, "sa", SANCTION_FIELDS, 1 + more.get("sa", 0)),
        findings=_choices(finding_decl.values if finding_decl else FINDINGS),
        kinds=_choices(kind_decl.values if kind_decl else ()),
        spreads=_choices(spread_decl.values if spread_decl else SPREADS),
        procedure=tuple(
            (key, label, first(values, f"procedure.{key}")) for key, label in ANCHORS.items()
        ),
        header={key: first(values, key) for key, _ in HEADER},
        sanction_kinds=_choices(SANCTION_KINDS.items()),
        body_kinds=_choices(BODY_KINDS.items()),
    )


def _choices(pairs: Iterable[tuple[str, str]]) -> tuple[Choice, ...]:
    return tuple(Choice(k, label) for k, label in pairs)
