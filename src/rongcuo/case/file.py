"""Case files: the contract other systems write to, and their validation against a ruleset.

A case file is YAML or JSON. Its envelope is checked by pydantic; its facts are checked against
the ruleset's declarations. Both report located, bilingual diagnostics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from rongcuo.engine.reference import eval_cond
from rongcuo.errors import CaseError, Diagnostic, DocPath, Location, did_you_mean
from rongcuo.ruleset.document import Positions, load_document
from rongcuo.ruleset.graph import fact_dependencies
from rongcuo.ruleset.model import ALLEGATION_FACTS, Constraint, FactValue, Ruleset
from rongcuo.ruleset.reader import (
    DATE_HINT,
    INEXACT_HINT,
    date_hint,
    describe,
    number_fault,
    parse_day,
)

#: Text that must say something: not empty and not only spaces (a blank case id names nothing,
#: and every record and memo file is named after it).
_NOT_BLANK = r"\S"


def _day(value: Any) -> Any:
    """A date field takes a day (a YAML date or ``YYYY-MM-DD`` text) and nothing else.

    pydantic alone would cut ``2024-01-01T00:00:00`` to its day and read a number as a Unix
    timestamp (``incident_date: 0`` is 1970-01-01); a time of day is an error here (RC005, with
    the day to write instead), and anything else is left for pydantic to reject as not a date.
    """
    day, with_time = parse_day(value)
    if day is not None:
        return day
    if with_time:
        raise PydanticCustomError("date_with_time", "a date without a time of day")
    if isinstance(value, str | int | float):
        raise PydanticCustomError("date_type", "a date (YYYY-MM-DD)")
    return value


Day = Annotated[dt.date, BeforeValidator(_day)]
#: A fact as a case file writes it: a list only for an enum fact declared ``multiple: true``.
RawFactValue = bool | int | float | str | Day | list[str] | None
#: How a case file states that a fact is not yet established (``null`` too): it is unknown,
#: and no presumption applies to it (catalogue §6.1).
UNKNOWN_WORDS = frozenset({"unknown", "不明"})


def stated_unknown(value: object) -> bool:
    """Whether a case file's value says the fact is not yet established."""
    return value is None or (isinstance(value, str) and value.strip() in UNKNOWN_WORDS)


class Cadre(BaseModel):
    """The cadre (干部) whose conduct is assessed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, description="姓名")
    position: str | None = Field(default=None, description="职务")
    unit: str | None = Field(default=None, description="单位")


class Evidence(BaseModel):
    """A piece of evidence and the facts it supports."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=_NOT_BLANK)
    title: str = Field(min_length=1, pattern=_NOT_BLANK)
    supports: list[str] = Field(default_factory=list, description="fact ids this evidence supports")


class ProcedureDates(BaseModel):
    """Dates of procedural events that have happened; time limits count from them.

    The keys are the events a ruleset's ``time_limit.from`` names. An event not yet recorded is
    taken to happen on the date of the assessment (``as_of``) when a memo computes deadlines.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    inquiry_notified: Day | None = Field(default=None, description="被告知问责调查之日")
    accepted: Day | None = Field(default=None, description="受理申请或启动程序之日")
    decided: Day | None = Field(default=None, description="作出认定之日")
    notice_received: Day | None = Field(default=None, description="收到书面通知之日")


class Correction(BaseModel):
    """A correction measure (纠错措施): what to fix, who fixes it, by when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str = Field(min_length=1, pattern=_NOT_BLANK, description="纠错事项")
    who: str | None = Field(default=None, description="责任人或责任单位")
    due: Day | None = Field(default=None, description="完成时限")


class Reporter(BaseModel):
    """Who reported an allegation, as far as the clearing needs it (catalogue §10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signed: bool | Unknown | None = Field(
        default=None,
        description="实名举报 the report was signed; unknown / 不明 / null: not yet established",
    )
    informed: bool | Unknown | None = Field(
        default=None,
        description="已向举报人反馈核查结果 the reporter has been told the result; unknown / 不明 "
        "/ null: not yet established",
    )


#: How an allegation's field says it is not yet established, as ``facts`` do (null too).
Unknown = Literal["unknown", "不明"]
Finding = Literal[
    "substantiated", "partly_substantiated", "untrue", "mistaken", "fabricated", "unknown", "不明"
]
Spread = Literal["unit", "locality", "online", "public", "unknown", "不明"]


class Allegation(BaseModel):
    """An allegation (问题线索) the inquiry examined, with its finding (catalogue §10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=_NOT_BLANK, description="编号, e.g. A1")
    summary: str = Field(min_length=1, pattern=_NOT_BLANK, description="反映的问题")
    finding: Finding | None = Field(
        description="核查结论: substantiated 属实 · partly_substantiated 部分属实 · untrue 失实、"
        "查无实据 · mistaken 错告、误告 · fabricated 诬告陷害 · unknown / 不明 / null 尚未查清"
    )
    kind: str | None = Field(
        default=None,
        description="诬告陷害的种类 (only when fabricated; fa_other when the inquiry names none)",
    )
    reporter: Reporter | None = Field(default=None, description="举报人 the reporter")
    spread: Spread | None = Field(
        default=None,
        description="扩散范围: unit 本单位 · locality 镇村、社区 · online 网络 · public 社会面",
    )
    concluded_on: Day | None = Field(
        default=None, description="核查结论作出之日 (ISO date): the clearing deadline runs from it"
    )


class Case(BaseModel):
    """A case file: who did what, when, and the facts established so far.

    A fact stated as ``unknown`` (``不明``, ``null``) is unknown, never false; a fact left out
    is read as the ruleset's declaration presumes (catalogue §6), or unknown if it presumes
    nothing.
    """

    def unknown_facts(self) -> frozenset[str]:
        """The facts this file states as not yet established."""
        return frozenset(k for k, v in self.facts.items() if stated_unknown(v))

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=_NOT_BLANK, description="案件编号, e.g. WZ-2024-017")
    title: str = Field(min_length=1, pattern=_NOT_BLANK, description="案件名称")
    incident_date: Day = Field(description="失误发生日期 (ISO date)")
    # Left out of the case's JSON when not given, so that the content hash (and every record
    # id) of a case without it is what it was before the field existed.
    conduct_until: Day | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="行为终了日期 (ISO date): the last day of conduct that continued; the version "
        "in force on it is the one the conduct is judged under (从旧兼从轻)",
    )
    cadre: Cadre | None = None
    narrative: str | None = Field(default=None, description="基本情况")
    claimed_situations: list[str] = Field(
        default_factory=list,
        description="situation ids the applicant invokes; the engine checks them, never trusts them",
    )
    facts: dict[str, RawFactValue] = Field(
        default_factory=dict,
        description="fact id → value; `unknown`, `不明` or null: stated as not yet established "
        "(no presumption applies); absent: read as the ruleset presumes (or unknown)",
    )
    evidence: list[Evidence] = Field(default_factory=list)
    procedure: ProcedureDates = Field(
        default_factory=ProcedureDates, description="程序节点日期 dates of procedural events"
    )
    corrections: list[Correction] = Field(
        default_factory=list, description="纠错措施 correction measures: what, who, by when"
    )
    # Left out of the case's JSON when empty, so that the content hash of a case without
    # allegations is what it was before the field existed.
    allegations: list[Allegation] = Field(
        default_factory=list,
        exclude_if=lambda v: not v,
        description="问题线索 the allegations the inquiry examined, each with its finding "
        "(catalogue §10): those found untrue, mistaken or fabricated are struck and the cadre's "
        "name cleared",
    )

    def content_hash(self) -> str:
        """SHA-256 of the case's canonical JSON."""
        canon = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


@dataclass(frozen=True)
class CaseSource:
    """Where a case came from, to locate errors in it."""

    name: str
    positions: Positions | None = None

    def at(self, path: DocPath, *, key: bool = False) -> Location:
        if self.positions is None:
            return Location(self.name, 0, 0, path)
        return self.positions.at(path, key=key)


_FIELDS = tuple(Case.model_fields)


def load_case(path: Path | str) -> tuple[Case, CaseSource]:
    """Read and validate a case file's envelope; raises :class:`CaseError` with every problem."""
    p = Path(path)
    loaded, diags = load_document(p)
    if loaded is None or diags:
        raise CaseError(diags)
    source = CaseSource(loaded.positions.file, loaded.positions)
    return parse_case(loaded.data, source), source


def parse_case(data: Any, source: CaseSource) -> Case:
    """Validate already-loaded data as a case; raises :class:`CaseError`."""
    if not isinstance(data, dict):
        zh, en = describe(data)
        raise CaseError(
            [
                Diagnostic(
                    "RC201",
                    source.at(()),
                    f"案件文件应是一个映射（键: 值），实际是{zh}",
                    f"a case file must be a mapping (key: value), got {en}",
                    "参见 see examples/ 与 `rongcuo schema case`",
                )
            ]
        )
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        errors = []
        seen_facts: set[object] = set()
        for e in exc.errors():
            loc = tuple(e["loc"])
            if loc[:1] == ("facts",) and len(loc) >= 2:
                # pydantic reports each member of the value union; one error per fact is enough
                if loc[1] in seen_facts:
                    continue
                seen_facts.add(loc[1])
            errors.append(_from_pydantic(e, source))
        raise CaseError(errors) from None


def describe_items(items: Any) -> str:
    """What a list holds that is not text, as a message says it."""
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, str):
            return describe(item)[0]
    return "非文字的值"


def _from_pydantic(err: Mapping[str, Any], source: CaseSource) -> Diagnostic:
    path: DocPath = tuple(err["loc"])
    kind = err["type"]
    where = ".".join(str(p) for p in path) or "case"
    found_zh, found_en = describe(err.get("input"))
    if kind == "missing":
        return Diagnostic(
            "RC004",
            source.at(path[:-1]),
            f"缺少必填字段 {where!r}",
            f"missing required field {where!r}",
            f"加上 add `{path[-1]}: …`",
        )
    if kind == "extra_forbidden":
        models: dict[str, type[BaseModel]] = {
            "cadre": Cadre,
            "evidence": Evidence,
            "procedure": ProcedureDates,
            "corrections": Correction,
            "allegations": Allegation,
        }
        nested = models.get(str(path[0]))
        if path[:1] == ("allegations",) and "reporter" in path[2:3] and len(path) > 3:
            nested = Reporter
        parent = tuple(nested.model_fields) if len(path) > 1 and nested else _FIELDS
        return Diagnostic(
            "RC003",
            source.at(path, key=True),
            f"未知字段 {where!r}",
            f"unknown field {where!r}",
            did_you_mean(str(path[-1]), parent),
        )
    if kind.startswith("date") and path[:1] != ("facts",):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为日期（YYYY-MM-DD），实际是{found_zh}",
            f"{where} must be a date (YYYY-MM-DD), got {found_en}",
            date_hint(err.get("input")) if kind == "date_with_time" else DATE_HINT,
        )
    nested_model = path[:1] != ("facts",)
    if nested_model and kind in ("model_type", "dict_type", "model_attributes_type"):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为映射（键: 值），实际是{found_zh}",
            f"{where} must be a mapping (key: value), got {found_en}",
            "参见 see `rongcuo schema case`",
        )
    if nested_model and kind == "list_type":
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为列表，实际是{found_zh}",
            f"{where} must be a list, got {found_en}",
            "例如 e.g. allegations: [{id: A1, summary: …, finding: untrue}]",
        )
    if nested_model and kind in ("bool_type", "bool_parsing"):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 应为 true 或 false（不知道就写 unknown），实际是{found_zh}",
            f"{where} must be true or false (unknown when not established), got {found_en}",
        )
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))
        return Diagnostic(
            "RC204",
            source.at(path),
            f"{where} 应为以下之一：{expected}，实际是{found_zh}",
            f"{where} must be one of "
            + ", ".join(v for v in _literal_choices(expected) if v.isascii())
            + f", got {found_en}",
            did_you_mean(str(err.get("input")), _literal_choices(expected))
            if isinstance(err.get("input"), str)
            else "",
        )
    if kind in ("string_too_short", "string_pattern_mismatch"):
        return Diagnostic(
            "RC005",
            source.at(path),
            f"{where} 不能为空，也不能只有空格",
            f"{where} must not be empty or only spaces",
            f"写上内容 write something: {path[-1]}: …",
        )
    if path[:1] == ("facts",) and len(path) >= 2 and isinstance(err.get("input"), list):
        return Diagnostic(
            "RC203",
            source.at(path[:2]),
            f"事实 {path[1]} 的列表只能列出取值（文字），实际列表中有{describe_items(err.get('input'))}",
            f"a list for fact {path[1]} may only hold values (text)",
            "列表只用于可多选的事实，如 work_area: [reform_pilot, administrative_service] "
            "lists are for multiple facts only",
        )
    if path[:1] == ("facts",) and len(path) >= 2:
        return Diagnostic(
            "RC203",
            source.at(path[:2]),
            f"事实 {path[1]} 的值必须是 true/false、数字、文字、日期、取值列表或 unknown，"
            f"实际是{found_zh}",
            f"fact {path[1]} must be true/false, a number, text, a date, a list of values or "
            f"unknown, got {found_en}",
        )
    return Diagnostic(
        "RC005",
        source.at(path),
        f"{where}：{err['msg']}（实际是{found_zh}）",
        f"{where}: {err['msg']} (got {found_en})",
    )


def _literal_choices(expected: str) -> list[str]:
    """The values pydantic lists in a literal error (``'a', 'b' or 'c'``)."""
    return [v.strip(" '") for v in expected.replace(" or ", ",").split(",") if v.strip(" '")]


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
        checked, problem = _coerce(decl.type, value, decl)
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
        # a field written as null is stated unknown, as in ``facts``; a field left out is not
        # stated (and may be presumed)
        given = item.model_fields_set
        raw: dict[str, tuple[object, tuple[str | int, ...], bool]] = {
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
        stated: dict[str, FactValue] = {}
        unknown: set[str] = set()
        where: dict[str, tuple[str | int, ...]] = {}
        for name, (value, sub, written) in raw.items():
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
            checked, problem = _coerce(decl.type, value, decl)  # type: ignore[arg-type]
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


def _span(low: float | None, high: float | None) -> str:
    left = "(-∞" if low is None else f"[{low:g}"
    right = "+∞)" if high is None else f"{high:g}]"
    return f"{left}, {right}"


def _coerce(
    ftype: str, value: RawFactValue, decl: Any
) -> tuple[FactValue | None, tuple[str, str, str, str] | None]:
    """The value of a fact of type ``ftype``, or what is wrong with it: (zh, en, hint, code)."""
    if isinstance(value, list) or decl.multiple:
        return _coerce_set(value, decl)
    if ftype == "bool":
        if isinstance(value, bool):
            return value, None
        return None, (
            "应为 true 或 false",
            "must be true or false",
            "不加引号 unquoted: true / false",
            "RC203",
        )
    if ftype == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Checked on the value, whatever parsed it: YAML's .nan and .inf, and JSON's NaN
            # and Infinity alike. A NaN is neither below nor above a bound, so this comes first.
            fault = number_fault(value)
            if fault == "not_finite":
                return None, (
                    "应为有限的数",
                    "must be a finite number",
                    "NaN 与无穷大不是数值；不知道就写 null NaN and infinity are not values; "
                    "write null when unknown",
                    "RC210",
                )
            if fault == "inexact":
                return None, (
                    "的整数不能被双精度浮点数精确表示",
                    "is an integer that is not exactly a double",
                    INEXACT_HINT,
                    "RC211",
                )
            low, high = decl.minimum, decl.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                span = _span(low, high)
                return None, (
                    f"应在 {span} 之内",
                    f"must lie within {span}",
                    f"单位 unit: {decl.unit}" if decl.unit else "",
                    "RC203",
                )
            return value, None
        return None, ("应为数字", "must be a number", "不加引号 unquoted, e.g. 120000", "RC203")
    if ftype == "enum":
        if isinstance(value, str) and value in decl.keys:
            return value, None
        return None, _not_a_value(value, decl, "应为以下之一", "must be one of")
    if ftype == "date":
        day, with_time = parse_day(value)
        if day is not None:
            return day, None
        hint = date_hint(value) if with_time else DATE_HINT
        return None, ("应为日期", "must be a date (YYYY-MM-DD)", hint, "RC203")
    if isinstance(value, str):
        return value, None
    return None, ("应为文字", "must be text", "", "RC203")


def _coerce_set(
    value: RawFactValue, decl: Any
) -> tuple[FactValue | None, tuple[str, str, str, str] | None]:
    """The value of an enum fact declared ``multiple``: one value or a list of them, as a set."""
    if not decl.multiple:
        return None, (
            "只能有一个值",
            "takes one value",
            "只有声明 multiple: true 的事实可以写多个值 only facts declared multiple: true "
            "take a list",
            "RC212",
        )
    items = value if isinstance(value, list) else [value]
    if not items:
        return None, (
            "至少要有一个值",
            "needs at least one value",
            "不知道就写 unknown write unknown when it is not established",
            "RC212",
        )
    for item in items:
        if not isinstance(item, str) or item not in decl.keys:
            return None, _not_a_value(item, decl, "的每一项应为以下之一", "must list values among")
    return frozenset(str(item) for item in items), None


def _not_a_value(value: object, decl: Any, zh: str, en: str) -> tuple[str, str, str, str]:
    """What is wrong with a value that is not one of an enum fact's: (zh, en, hint, code)."""
    allowed = dict(decl.values)
    options = ", ".join(f"{k}（{v}）" for k, v in decl.values)
    hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
    code = "RC204" if isinstance(value, str) else "RC203"
    return f"{zh}：{options}", f"{en} {', '.join(allowed)}", hint, code
