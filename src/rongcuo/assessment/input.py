"""An assessment's input file: the cadre, the sanctions, the facts, the warning history.

Takes a YAML or JSON file (or data already loaded)::

    id: RE-2025-003
    cadre: {id: C-0417, name: 某某, position: 副局长}
    sanction: {kind: party_serious_warning, decided_on: 2023-05-10}   # one, or a list
    facts: {matter_properly_handled: true, situation_calmed: true, …}
    history:                                                           # warning only
      - {cadre_id: C-0417, level: 1, form: 面对面谈话, given_on: 2024-03-01, by: 组织部}

gives :class:`AssessmentInput`, or raises :class:`~rongcuo.errors.CaseError` with every problem
located (file:line:column and the path in the file). The facts are checked against the ruleset
by the case stage's own ``bind_facts`` (same codes, same messages) once the ruleset is known.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rongcuo.assessment.history import WarningEntry
from rongcuo.case.contract import Cadre, RawFactValue, Sanction, Sanctions
from rongcuo.case.envelope import CaseSource, from_pydantic
from rongcuo.errors import CaseError, Diagnostic, did_you_mean
from rongcuo.ruleset.document import load_document
from rongcuo.ruleset.reader import describe


class AssessmentInput(BaseModel):
    """What an assessment reads about one cadre."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="评估编号, e.g. RE-2025-003")
    cadre: Cadre | None = None
    sanction: Sanctions = Field(
        default_factory=list,
        description="所受处分或组织处理（一项或多项）: the impact period is computed from them",
    )
    facts: dict[str, RawFactValue] = Field(
        default_factory=dict,
        description="fact id → value; `unknown`, `不明` or null: not yet established",
    )
    history: list[WarningEntry] = Field(
        default_factory=list, description="该干部的问责预警记录 the cadre's warning history"
    )

    def content_hash(self) -> str:
        """``sha256:`` of the input's canonical JSON (sorted keys): its identity."""
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_input(path: Path | str) -> tuple[AssessmentInput, CaseSource]:
    """Read and validate an input file; raises :class:`CaseError` with every problem."""
    loaded, diags = load_document(Path(path))
    if loaded is None or diags:
        raise CaseError(diags)
    source = CaseSource(loaded.positions.file, loaded.positions)
    return parse_input(loaded.data, source), source


def parse_input(data: Any, source: CaseSource) -> AssessmentInput:
    """Validate already-loaded data as an input; raises :class:`CaseError`."""
    if not isinstance(data, dict):
        zh, en = describe(data)
        raise CaseError(
            [
                Diagnostic(
                    "RC179",
                    source.at(()),
                    f"评估文件应是一个映射（键: 值），实际是{zh}",
                    f"an assessment input must be a mapping (key: value), got {en}",
                    "参见 see assessments/ 与 docs/assessment.md",
                )
            ]
        )
    try:
        return AssessmentInput.model_validate(data)
    except ValidationError as exc:
        one_sanction = isinstance(data.get("sanction"), dict)
        errors = []
        seen_facts: set[object] = set()
        for e in exc.errors():
            loc = tuple(e["loc"])
            if one_sanction and loc[:2] == ("sanction", 0):
                e = {**e, "loc": ("sanction", *loc[2:])}  # the mapping the file has
            if loc[:1] == ("facts",) and len(loc) >= 2:
                if loc[1] in seen_facts:  # one error a fact, not one a member of the union
                    continue
                seen_facts.add(loc[1])
            errors.append(_own_fields(from_pydantic(e, source), e["loc"]))
        raise CaseError(errors) from None


def _own_fields(diag: Diagnostic, loc: tuple[Any, ...]) -> Diagnostic:
    """An unknown field (RC003) with the fields of this file's part as the hint (the case
    stage names a case file's)."""
    if diag.code != "RC003":
        return diag
    model: type[BaseModel] = AssessmentInput
    if loc[:1] == ("cadre",):
        model = Cadre
    elif loc[:1] == ("history",):
        model = WarningEntry
    elif loc[:1] == ("sanction",):
        model = Sanction
    return dataclasses.replace(diag, hint=did_you_mean(str(loc[-1]), model.model_fields))
