"""Case files: the contract other systems write to, and their validation against a ruleset.

A case file is YAML or JSON. Its envelope is checked by pydantic; its facts are checked against
the ruleset's declarations. Both report located, bilingual diagnostics.

This module binds a validated case to a ruleset: its facts, claims and evidence
(:func:`bind_facts`) and its allegations (:func:`bind_allegations`). The contract itself, the
reading of a file and the check of one value live beside it, re-exported here so that every
name stays importable from ``rongcuo.case.file``:

- :mod:`rongcuo.case.contract`: Case, Cadre, Evidence, ProcedureDates, Correction, Reporter,
  Allegation, Unknown, Finding, Spread, Day, RawFactValue, UNKNOWN_WORDS, stated_unknown;
- :mod:`rongcuo.case.envelope`: CaseSource, load_case, parse_case, describe_items,
  from_pydantic;
- :mod:`rongcuo.case.values`: coerce_value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rongcuo.case.contract import (
    UNKNOWN_WORDS,
    Allegation,
    Cadre,
    Case,
    Correction,
    Day,
    Evidence,
    Finding,
    ProcedureDates,
    RawFactValue,
    Reporter,
    Spread,
    Unknown,
    stated_unknown,
)
from rongcuo.case.envelope import CaseSource, describe_items, from_pydantic, load_case, parse_case
from rongcuo.case.values import coerce_value
from rongcuo.engine.reference import eval_cond
from rongcuo.errors import CaseError, Diagnostic, DocPath, did_you_mean
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import ALLEGATION_FACTS, Constraint, FactValue, Ruleset
from rongcuo.ruleset.reader import describe

__all__ = [
    "UNKNOWN_WORDS",
    "Allegation",
    "BoundAllegation",
    "Cadre",
    "Case",
    "CaseSource",
    "Correction",
    "Day",
    "Evidence",
    "Finding",
    "ProcedureDates",
    "RawFactValue",
    "Reporter",
    "Spread",
    "Unknown",
    "bind_allegations",
    "bind_facts",
    "coerce_value",
    "describe_items",
    "from_pydantic",
    "load_case",
    "parse_case",
    "stated_unknown",
]


def bind_facts(case: Case, rs: Ruleset, source: CaseSource) -> dict[str, FactValue]:
    """Check the case's facts, claims and evidence against ``rs``; return the known facts.

    Raises :class:`CaseError` listing every problem.
    """
    diags: list[Diagnostic] = []
    facts: dict[str, FactValue] = {}
    for key, value in case.facts.items():
        decl = rs.facts.get(key)
        if decl is None:
            diags.append(
                Diagnostic(
                    "RC202",
                    source.at(("facts", key), key=True),
                    f"规则集 {rs.id} 没有声明事实 {key!r}",
                    f"ruleset {rs.id} declares no fact {key!r}",
                    did_you_mean(key, rs.facts),
                )
            )
            continue
        if decl.scope or decl.computed:
            diags.append(_not_a_case_fact(key, decl.computed, source))
            continue
        if stated_unknown(value):
            continue  # stated as not yet established: unknown, and never presumed
        checked, problem = coerce_value(decl.type, value, decl)
        if problem:
            zh, en = describe(value)
            diags.append(
                Diagnostic(
                    problem[3],
                    source.at(("facts", key)),
                    f"事实 {key}（{decl.label}）{problem[0]}，实际是{zh}",
                    f"fact {key} ({decl.type}) {problem[1]}, got {en}",
                    problem[2],
                )
            )
            continue
        assert checked is not None
        facts[key] = checked
    situations = {r.id for r in rs.rules_of("situation")} if case.claimed_situations else set()
    for i, sid in enumerate(case.claimed_situations):
        if sid not in situations:
            diags.append(
                Diagnostic(
                    "RC206",
                    source.at(("claimed_situations", i)),
                    f"申请援引的 {sid!r} 不是规则集 {rs.id} 的容错情形",
                    f"claimed {sid!r} is not a situation of ruleset {rs.id}",
                    did_you_mean(sid, situations),
                )
            )
    for i, ev in enumerate(case.evidence):
        for j, fid in enumerate(ev.supports):
            if fid not in rs.facts:
                diags.append(
                    Diagnostic(
                        "RC207",
                        source.at(("evidence", i, "supports", j)),
                        f"证据 {ev.id} 支持的事实 {fid!r} 未声明",
                        f"evidence {ev.id} supports an undeclared fact {fid!r}",
                        did_you_mean(fid, rs.facts),
                    )
                )
    if not diags:
        diags += _constraint_errors(rs, facts, source)
    if diags:
        raise CaseError(diags)
    return facts


def _not_a_case_fact(key: str, computed: str, source: CaseSource) -> Diagnostic:
    """RC215: a fact the case file cannot state under ``facts:`` (one of each allegation, or
    one computed from the allegations)."""
    if computed:
        return Diagnostic(
            "RC215",
            source.at(("facts", key), key=True),
            f"事实 {key} 由举报问题（allegations）的核查结论计算得出，不能直接写明",
            f"fact {key} is computed from the allegations' findings and cannot be stated",
            "删除它，在 allegations 中逐项写明 finding remove it; give each allegation's finding",
        )
    field_name = next((f for f, fid in ALLEGATION_FACTS.items() if fid == key), key)
    return Diagnostic(
        "RC215",
        source.at(("facts", key), key=True),
        f"事实 {key} 属于每一项举报问题，应写在 allegations 的各项中（{field_name}）",
        f"fact {key} belongs to each allegation: write it as `{field_name}` of an entry of "
        "allegations",
        "例如 e.g. allegations: [{id: A1, summary: …, finding: untrue}]",
    )


@dataclass(frozen=True)
class BoundAllegation:
    """One allegation of a case with its facts checked against the ruleset: those it states,
    and those it states as not yet established (``finding: unknown``)."""

    index: int
    allegation: Allegation
    stated: dict[str, FactValue]
    unknown: frozenset[str]


def bind_allegations(case: Case, rs: Ruleset, source: CaseSource) -> list[BoundAllegation]:
    """Check each allegation of ``case`` against the allegation facts ``rs`` declares; raises
    :class:`CaseError` listing every problem (a repeated id, a value the ruleset does not
    know, a kind given for a finding other than fabricated, …)."""
    if not case.allegations:
        return []
    diags: list[Diagnostic] = []
    if "allegation_finding" not in rs.facts:
        raise CaseError(
            [
                Diagnostic(
                    "RC215",
                    source.at(("allegations",), key=True),
                    f"规则集 {rs.id} 没有澄清正名规则，不能列出举报问题",
                    f"ruleset {rs.id} has no clearing rules: it cannot take allegations",
                    "用继承 national 的规则集 use a ruleset that extends national",
                )
            ]
        )
    constraints = rs.part(clearing=True).constraints.values()
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(case.allegations):
        if item.id in seen:
            diags.append(
                Diagnostic(
                    "RC214",
                    source.at(("allegations", i, "id")),
                    f"举报问题编号 {item.id!r} 重复（第 {seen[item.id] + 1} 项已使用）",
                    f"allegation id {item.id!r} is repeated (entry {seen[item.id] + 1} has it)",
                    "每项举报问题用不同的编号 give each allegation its own id",
                )
            )
        seen.setdefault(item.id, i)
        stated, unknown, where = _allegation_facts(item, i, rs, source, diags)
        diags += _constraint_errors(
            rs,
            stated,
            source,
            constraints,
            lambda fid, i=i, where=where: where.get(fid, ("allegations", i)),  # type: ignore[misc]
            (f"举报问题 {item.id} 的写法", f"allegation {item.id}"),
        )
        if item.concluded_on is not None and item.concluded_on < case.incident_date:
            diags.append(
                Diagnostic(
                    "RC220",
                    source.at(("allegations", i, "concluded_on")),
                    f"举报问题 {item.id} 的核查结论日期 {item.concluded_on} 早于失误发生日期 "
                    f"{case.incident_date}",
                    f"allegation {item.id} was concluded on {item.concluded_on}, before the "
                    f"incident date {case.incident_date}",
                    "核对两个日期 check both dates",
                )
            )
        out.append(BoundAllegation(i, item, stated, frozenset(unknown)))
    if diags:
        raise CaseError(diags)
    return out


#: An allegation's fields as written: field name → (value, path inside the entry, written).
_Fields = dict[str, tuple[object, tuple[str | int, ...], bool]]


def _allegation_fields(item: Allegation) -> _Fields:
    """The fields of an allegation that are read as facts, and whether each was written."""
    # a field written as null is stated unknown, as in ``facts``; a field left out is not
    # stated (and may be presumed)
    given = item.model_fields_set
    raw: _Fields = {
        "finding": (item.finding, ("finding",), True),
        "kind": (item.kind, ("kind",), "kind" in given),
        "spread": (item.spread, ("spread",), "spread" in given),
    }
    if item.reporter is not None:
        told = item.reporter.model_fields_set
        raw["reporter.signed"] = (
            item.reporter.signed,
            ("reporter", "signed"),
            "signed" in told,
        )
        raw["reporter.informed"] = (
            item.reporter.informed,
            ("reporter", "informed"),
            "informed" in told,
        )
    return raw


def _allegation_facts(
    item: Allegation, i: int, rs: Ruleset, source: CaseSource, diags: list[Diagnostic]
) -> tuple[dict[str, FactValue], set[str], dict[str, tuple[str | int, ...]]]:
    """The facts allegation ``i`` states and those it states as unknown, with the path of each
    field read; what the ruleset cannot take goes to ``diags``."""
    stated: dict[str, FactValue] = {}
    unknown: set[str] = set()
    where: dict[str, tuple[str | int, ...]] = {}
    for name, (value, sub, written) in _allegation_fields(item).items():
        fid = ALLEGATION_FACTS[name]
        path = ("allegations", i, *sub)
        where[fid] = path
        if value is None and not written:
            continue
        if stated_unknown(value):
            unknown.add(fid)
            continue
        decl = rs.facts.get(fid)
        if decl is None:
            diags.append(
                Diagnostic(
                    "RC202",
                    source.at(path, key=True),
                    f"规则集 {rs.id} 没有声明举报问题的事实 {fid}（{name}）",
                    f"ruleset {rs.id} declares no allegation fact {fid} ({name})",
                )
            )
            continue
        checked, problem = coerce_value(decl.type, value, decl)  # type: ignore[arg-type]
        if problem:
            zh, en = describe(value)
            diags.append(
                Diagnostic(
                    problem[3],
                    source.at(path),
                    f"举报问题 {item.id} 的 {name}（{decl.label}）{problem[0]}，实际是{zh}",
                    f"allegation {item.id}: {name} ({decl.type}) {problem[1]}, got {en}",
                    problem[2],
                )
            )
            continue
        assert checked is not None
        stated[fid] = checked
    return stated, unknown, where


def _constraint_errors(
    rs: Ruleset,
    facts: dict[str, FactValue],
    source: CaseSource,
    constraints: Iterable[Constraint] | None = None,
    where: Callable[[str], DocPath] | None = None,
    subject: tuple[str, str] = ("案件事实", "the case's facts"),
) -> list[Diagnostic]:
    """RC213 for each combination of stated values the ruleset's ``constraints`` forbid (by
    default those of the case's facts; an allegation's are checked with its own, located by
    ``where``), at the first fact involved."""
    out = []
    locate = where or (lambda fid: ("facts", fid))
    for c in rs.constraints.values() if constraints is None else constraints:
        if eval_cond(c.when, facts, frozenset(), {}, {}) is True:
            involved = [f for f in fact_dependencies(c.when) if f in facts]
            names = "、".join(f"{f}（{rs.facts[f].display(facts[f])}）" for f in involved)
            out.append(
                Diagnostic(
                    "RC213",
                    source.at(locate(involved[0])) if involved else source.at(locate("")[:-1]),
                    f"{subject[0]}互相矛盾：{c.message}（{names}）",
                    f"{subject[1]} contradict each other: {c.message_en} ({', '.join(involved)})",
                    "更正其中一项，或写 unknown correct one of them, or write unknown",
                )
            )
    return out
