"""The Assessment: what an assessment ruleset proposes for a cadre, and why (contract v1).

Takes nothing; gives the pydantic models of an assessment's JSON (``schemas/assessment.schema.
json``). Separate from the Decision contract: an assessment's outcome is one its ruleset
declares (暂缓使用, 可提拔, 一级预警 …), never one of a Decision's. ``to_json`` is deterministic:
the same assessment gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rongcuo.decision.model import CitationRef

ASSESSMENT_SCHEMA_VERSION = "1.0"

JsonValue = bool | int | float | str | list[str] | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputRef(_Model):
    """The input assessed: its id, the hash of its content, the cadre."""

    id: str
    content_hash: str
    cadre_id: str | None = None
    cadre_name: str | None = None


class RulesetRef(_Model):
    """The effective assessment ruleset, and the ruleset whose impact periods were read."""

    id: str
    title: str
    version: str
    content_hash: str
    periods_from: str | None = None


class EngineRef(_Model):
    """The evaluator that gave the rule values."""

    name: str
    version: str


class DecidingRule(_Model):
    """The rule of the decision order that decided, with the clause it encodes."""

    id: str
    label: str
    step: int
    citation: CitationRef | None


class Question(_Model):
    """A fact the deciding rule rests on: for an outcome against the cadre (暂缓使用, a
    warning), each question found unfavourable or not yet known."""

    id: str
    label: str
    question: str
    value: JsonValue
    display: str
    status: Literal["stated", "presumed", "computed", "unknown"]


class Presumed(_Model):
    """A fact the input left out, read as the ruleset presumes."""

    id: str
    label: str
    value: JsonValue
    display: str
    reason: str


class Computed(_Model):
    """A fact the stage computed from the input (never stated), with how."""

    id: str
    label: str
    value: JsonValue
    display: str
    basis: str


class Step(_Model):
    """One rule of the decision order and its value in this assessment."""

    step: int
    rule: str
    label: str
    outcome: str
    value: Literal["true", "false", "unknown"]


class EffectRef(_Model):
    """What the ruleset says follows from the outcome."""

    id: str
    text: str
    citation: CitationRef | None


class Assessment(_Model):
    """An assessment of one cadre on one day under one assessment ruleset."""

    schema_version: Literal["1.0"] = "1.0"
    kind: Literal["assessment"] = "assessment"
    input: InputRef
    as_of: str
    ruleset: RulesetRef
    engine: EngineRef
    outcome: str
    outcome_label: str
    deciding_rule: DecidingRule
    reason_zh: str
    reason_en: str
    questions: list[Question]
    presumed: list[Presumed]
    computed: list[Computed]
    effects: list[EffectRef]
    trace: list[Step]

    def to_json(self) -> str:
        """The assessment as JSON text: keys in the model's order, UTF-8 text, 2-space indent."""
        data = self.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
