"""What each kind of change to a case's procedure record carries (its payload), checked.

Takes a :class:`~rongcuo.procedure.events.Change`'s action and payload; gives the payload as
its model (:func:`payload_of`), or a located error at ``payload.<field>`` (RC722) naming what
is wrong. A stored event's payload was checked when it was written, so the fold
(:mod:`rongcuo.procedure.state`) reads it through the same models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rongcuo.case.contract import Day
from rongcuo.decision.model import OutcomeId
from rongcuo.errors import Diagnostic, Location
from rongcuo.records.model import RecordError

_TEXT = r"\S"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Open(_Payload):
    """``open``: the body accepts an application or starts the procedure itself (catalogue §13)."""

    ruleset: str = Field(min_length=1, pattern=_TEXT, description="规则集 id")
    case: dict[str, Any] = Field(description="案件文件 the case file as JSON")
    opened_by: Literal["application", "own_motion"] = Field(
        description="application 依申请 · own_motion 问责机关主动启动"
    )
    on: Day = Field(description="受理申请或启动程序之日 (the event `accepted`)")
    applied_on: Day | None = Field(default=None, description="提出申请之日 (application only)")
    inquiry_notified_on: Day | None = Field(default=None, description="被告知问责调查之日")
    note: str = ""


class Dated(_Payload):
    """``event``: a procedural event happened on a day (one of the ruleset's events)."""

    event: str = Field(min_length=1, description="事件 one of the procedure's events")
    on: Day
    note: str = ""
    # 研究认定 (decided): the deciding body's final decision
    body: str | None = Field(default=None, min_length=1, pattern=_TEXT, description="认定机关")
    outcome: OutcomeId | None = Field(default=None, description="最终认定结果")
    proposal: str | None = Field(default=None, description="机器建议的决定记录 id")
    reason: str = Field(default="", description="与建议不同的理由")
    consulted: str = Field(default="", description="征求意见的纪检监察机关")
    # 备案 (filed): with whom
    filed_with: str | None = Field(
        default=None, min_length=1, pattern=_TEXT, description="备案机关"
    )
    # 复核 (review_decided): upheld or changed
    result: Literal["upheld", "changed"] | None = Field(default=None, description="维持或变更")


class Extend(_Payload):
    """``extend``: a step's time limit is extended (once) for a reason."""

    step: str = Field(min_length=1)
    on: Day
    reason: str = Field(min_length=1, pattern=_TEXT, description="延长理由")


class CaseFile(_Payload):
    """``case``: a new version of the case file (facts established since opening)."""

    case: dict[str, Any]


class Correction(_Payload):
    """``correction``: a correction item (纠错事项): what, who, by when."""

    id: str = Field(min_length=1, pattern=_TEXT)
    what: str = Field(min_length=1, pattern=_TEXT)
    who: str = ""
    due: Day | None = None


class Visit(_Payload):
    """``visit``: a return visit (回访) planned for a day."""

    id: str = Field(min_length=1, pattern=_TEXT)
    due: Day
    purpose: str = ""


class Measure(_Payload):
    """``measure``: a prevention measure (完善制度) for a systemic cause, with its owner."""

    id: str = Field(min_length=1, pattern=_TEXT)
    cause: str = Field(min_length=1, pattern=_TEXT, description="制度漏洞")
    measure: str = Field(min_length=1, pattern=_TEXT, description="完善制度措施")
    owner: str = Field(min_length=1, pattern=_TEXT, description="责任单位")
    due: Day | None = None


class Done(_Payload):
    """``correction_done`` / ``visit_done`` / ``measure_done``: an item done on a day."""

    id: str = Field(min_length=1, pattern=_TEXT)
    on: Day
    by: str = ""
    note: str = ""


class Warning(_Payload):
    """``warning``: a level of the three-level accountability warning given (catalogue §13)."""

    level: Literal[1, 2, 3]
    form: str = Field(min_length=1, pattern=_TEXT, description="方式")
    on: Day
    by: str = ""
    note: str = ""


class Note(_Payload):
    """``note``: a remark on the file."""

    text: str = Field(min_length=1, pattern=_TEXT)


PAYLOADS: dict[str, type[_Payload]] = {
    "open": Open,
    "event": Dated,
    "extend": Extend,
    "case": CaseFile,
    "correction": Correction,
    "correction_done": Done,
    "visit": Visit,
    "visit_done": Done,
    "measure": Measure,
    "measure_done": Done,
    "warning": Warning,
    "note": Note,
}


def payload_of(action: str, payload: dict[str, Any], where: str) -> Any:
    """The payload as its model, or RC722 at each wrong field."""
    try:
        return PAYLOADS[action].model_validate(payload)
    except ValidationError as exc:
        diags = []
        for err in exc.errors():
            path = ("payload", *(str(p) for p in err["loc"]))
            diags.append(
                Diagnostic(
                    "RC722",
                    Location(where, 0, 0, path),
                    f"程序记录的 {'.'.join(path[1:]) or action} 不正确：{err['msg']}",
                    f"{action}: {'.'.join(path[1:]) or 'payload'}: {err['msg']}",
                )
            )
        raise RecordError(diags) from None
