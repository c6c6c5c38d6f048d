"""The report of ``rongcuo diff`` as plain data: pydantic models, with the JSON and CSV views.

:class:`DiffReport` is what :func:`rongcuo.authoring.diff.diff` returns: the counts, the outcome
transitions, the rule edits of each pair of effective rulesets (:class:`VersionPair`,
:class:`RuleEdit`) and, for every case, a :class:`CaseDiff` (both sides' decisions, the rules and
findings whose value changed, the ranked reasons). :meth:`DiffReport.to_json` and
:meth:`DiffReport.to_csv` are here; the Chinese text view, :meth:`DiffReport.to_text`, is
:func:`rongcuo.authoring.diff_text.render_text`.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rongcuo.authoring.diff_scope import Scope
from rongcuo.decision.model import OutcomeId
from rongcuo.errors import Diagnostic

Status = Literal["unchanged", "grounds_changed", "outcome_changed", "error"]
Truth = Literal["true", "false", "unknown", "absent"]
Group = Literal[
    "deciding",
    "exclusion",
    "situation",
    "precondition",
    "ground",
    "look",
    "distinction",
    "clearing",
    "outcome",
    "missing_fact",
    "claim",
]
ErrorSide = Literal["", "base", "head", "both"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(_Model):
    """A located problem that stopped one side from deciding a case (a diagnostic, as data)."""

    code: str
    severity: str
    file: str
    line: int
    column: int
    path: str
    message_zh: str
    message_en: str
    hint: str
    text: str

    @classmethod
    def of(cls, d: Diagnostic) -> Problem:
        """The data of a :class:`Diagnostic`."""
        return cls(
            code=d.code,
            severity=d.severity,
            file=d.location.file,
            line=d.location.line,
            column=d.location.column,
            path=d.location.path_text(),
            message_zh=d.message_zh,
            message_en=d.message_en,
            hint=d.hint,
            text=d.format(),
        )


class Side(_Model):
    """One side's decision of a case (or the problems that prevented it)."""

    outcome: OutcomeId | None = None
    outcome_label: str = "出错"
    deciding_rule: str | None = None
    deciding_label: str = ""
    deciding_citation: str = ""
    reason: str = ""
    possible_outcomes: list[OutcomeId] = []
    possible_labels: list[str] = []
    ruleset_version: str = ""
    ruleset_hash: str = ""
    errors: list[Problem] = []


class RuleDelta(_Model):
    """A rule whose truth value for the case differs between the sides, or that was edited."""

    id: str
    kind: str
    group: Group
    label: str
    before: Truth
    after: Truth
    citation: str
    citation_before: str
    citation_after: str
    quote_before: str
    quote_after: str
    edits: list[str]
    in_memo: bool


class FindingDelta(_Model):
    """A six-look finding, a distinction's side, or a claimed situation's status that changed."""

    id: str
    label: str
    before: str
    before_label: str
    after: str
    after_label: str


class FactRef(_Model):
    """A missing fact that appeared or disappeared."""

    id: str
    label: str
    changes_outcome: bool


class Reason(_Model):
    """One ranked line of the "why"."""

    group: Group
    id: str
    text: str


class CaseDiff(_Model):
    """What the edit does to one case.

    ``scope`` says whether the case belongs to the ruleset's jurisdiction as its cadre's
    ``unit`` tells (:func:`rongcuo.authoring.diff_scope.case_scope`): a case of ``other`` is
    listed apart and left out of the counts.
    """

    file: str
    case_id: str
    title: str
    incident_date: str
    unit: str
    scope: Scope
    status: Status
    error_side: ErrorSide
    before: Side
    after: Side
    rules: list[RuleDelta]
    looks: list[FindingDelta]
    distinctions: list[FindingDelta]
    claims: list[FindingDelta]
    missing_appeared: list[FactRef]
    missing_resolved: list[FactRef]
    missing_changed: list[FindingDelta]
    reasons: list[Reason]

    def top_reason(self) -> str:
        """The highest-ranked reason below the deciding rule (that one has its own columns)."""
        if self.status == "error":
            side = self.after if self.after.errors else self.before
            return side.errors[0].message_zh if side.errors else ""
        for r in self.reasons:
            if r.group != "deciding":
                return r.text
        return self.reasons[0].text if self.reasons else ""


class RuleEdit(_Model):
    """A rule added, removed or changed between the two effective rulesets."""

    id: str
    kind: str
    label: str
    change: Literal["added", "removed", "changed"]
    aspects: list[str]
    citation_before: str
    citation_after: str
    quote_before: str
    quote_after: str
    condition_before: str
    condition_after: str
    defined_in_before: str
    defined_in_after: str
    condition_zh_before: str = Field(
        default="", description="the condition before, written out in plain Chinese"
    )
    condition_zh_after: str = Field(
        default="", description="the condition after, written out in plain Chinese"
    )


class VersionPair(_Model):
    """The two effective rulesets some cases were decided with, and how their rules differ."""

    base_version: str
    head_version: str
    base_hash: str
    head_hash: str
    cases: int
    edits: list[RuleEdit]


class Transition(_Model):
    """How many cases went from one outcome to another."""

    before: str
    before_label: str
    after: str
    after_label: str
    count: int


class Counts(_Model):
    """How many cases fell in each status.

    ``total`` counts every case; the four statuses count the cases not of another jurisdiction
    (``other_jurisdiction`` of them are listed apart). ``jurisdiction_not_told`` of the counted
    ones do not say whether they belong to the ruleset's jurisdiction.
    """

    total: int
    outcome_changed: int
    grounds_changed: int
    unchanged: int
    errors: int
    other_jurisdiction: int
    jurisdiction_not_told: int


class DiffReport(_Model):
    """The result of :func:`diff`: per-case differences and the rule edits behind them."""

    ruleset: str
    jurisdiction: str
    base: str
    head: str
    as_of: str | None
    counts: Counts
    transitions: list[Transition]
    versions: list[VersionPair]
    cases: list[CaseDiff]

    def changed(self) -> list[CaseDiff]:
        """Cases of the ruleset's jurisdiction (or not saying) whose outcome changed."""
        return [c for c in self.counted() if c.status == "outcome_changed"]

    def counted(self) -> list[CaseDiff]:
        """The cases the counts are of: all but those of another jurisdiction."""
        return [c for c in self.cases if c.scope != "other"]

    def other_jurisdiction(self) -> list[CaseDiff]:
        """The cases whose cadre's unit lies outside the ruleset's jurisdiction."""
        return [c for c in self.cases if c.scope == "other"]

    def any_change(self) -> bool:
        """Whether some outcome changed, or some case errors on one side only (cases of another
        jurisdiction aside)."""
        return any(
            c.status == "outcome_changed" or c.error_side in ("base", "head")
            for c in self.counted()
        )

    def summary(self) -> str:
        """``共 44 件，结论变化 3 件，理由变化 2 件，出错 0 件``, then the cases of another
        jurisdiction and those that do not say theirs."""
        n = self.counts
        where = self.jurisdiction
        if n.other_jurisdiction:
            head = (
                f"共 {n.total} 件，其中 {n.other_jurisdiction} 件不属{where}（另列，不计入）；"
                f"其余 {n.total - n.other_jurisdiction} 件"
            )
        else:
            head = f"共 {n.total} 件"
        text = (
            f"{head}，结论变化 {n.outcome_changed} 件，"
            f"理由变化 {n.grounds_changed} 件，出错 {n.errors} 件"
        )
        if n.jurisdiction_not_told:
            text += f"；{n.jurisdiction_not_told} 件未写明是否属{where}"
        return text

    def to_json(self) -> str:
        """Canonical JSON: keys sorted, UTF-8 text kept; the same inputs give the same bytes."""
        data = self.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"

    def to_csv(self) -> str:
        """One row per case whose outcome or grounds changed, or that errors."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for c in self.cases:
            if c.status == "unchanged":
                continue
            writer.writerow(
                [
                    c.case_id,
                    c.file,
                    c.status,
                    c.before.outcome or "error",
                    c.after.outcome or "error",
                    c.before.outcome_label,
                    c.after.outcome_label,
                    c.before.deciding_rule or "",
                    c.after.deciding_rule or "",
                    c.top_reason(),
                    ";".join(r.id for r in c.rules),
                    c.scope,
                ]
            )
        return out.getvalue()

    def to_text(self) -> str:
        """The report for policy staff, in Chinese."""
        from rongcuo.authoring.diff_text import render_text

        return render_text(self)


CSV_COLUMNS = (
    "case_id",
    "file",
    "status",
    "before",
    "after",
    "before_label",
    "after_label",
    "deciding_rule_before",
    "deciding_rule_after",
    "top_reason",
    "changed_rules",
    "scope",
)
