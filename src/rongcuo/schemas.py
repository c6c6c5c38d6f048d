"""JSON Schemas of what rongcuo takes and gives: takes a kind (or a ruleset), gives a schema.

``case`` (a case file), ``decision`` (the Decision contract, v1), ``record`` (a decision
record), ``memo`` (the data a memo template receives) and ``assessment`` (an Assessment of an
assessment ruleset, its own contract v1) are generated from the models and kept
under ``schemas/`` in the repository (``tools/make_schemas.py`` writes them; a test fails when
they differ from what the code generates). :func:`case_schema` narrows the case schema to one
ruleset: its facts with their types, allowed values and Chinese labels, its situations, so that
another system can check a case before sending it. Every schema names its dialect
(``$schema``, JSON Schema 2020-12) and its ``$id``; keys are sorted so that the text is stable.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel

from rongcuo.assessment.model import ASSESSMENT_SCHEMA_VERSION, Assessment
from rongcuo.case.file import UNKNOWN_WORDS, Case
from rongcuo.decision.model import SCHEMA_VERSION
from rongcuo.decision.wire import DecisionV1
from rongcuo.memo.context import MemoContext
from rongcuo.records.model import DecisionRecord
from rongcuo.ruleset.model import FactDecl, Ruleset

SchemaKind = Literal["case", "decision", "record", "memo", "assessment"]
KINDS: tuple[SchemaKind, ...] = ("case", "decision", "record", "memo", "assessment")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_MODELS: dict[str, type[BaseModel]] = {
    "case": Case,
    "decision": DecisionV1,
    "record": DecisionRecord,
    "memo": MemoContext,
    "assessment": Assessment,
}
_TITLES = {
    "case": "rongcuo 案件文件 case file",
    "decision": f"rongcuo 认定结果 Decision (contract {SCHEMA_VERSION})",
    "record": "rongcuo 认定记录 decision record",
    "memo": "rongcuo 文书模板数据 memo template data",
    "assessment": f"rongcuo 评估结果 Assessment (contract {ASSESSMENT_SCHEMA_VERSION})",
}


def schema_id(kind: SchemaKind) -> str:
    """The ``$id`` of a kind's schema: a URN naming the kind and the contract's major version."""
    version = ASSESSMENT_SCHEMA_VERSION if kind == "assessment" else SCHEMA_VERSION
    return f"urn:rongcuo:schema:{kind}:v{version.split('.')[0]}"


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    """The JSON Schema of ``kind``, with ``$schema``, ``$id`` and a title."""
    mode: Literal["validation", "serialization"] = (
        "serialization" if kind == "memo" else "validation"
    )
    schema = _MODELS[kind].model_json_schema(mode=mode)
    return {"$schema": DIALECT, "$id": schema_id(kind), **schema, "title": _TITLES[kind]}


def case_schema(rs: Ruleset) -> dict[str, Any]:
    """The case-file schema narrowed to ``rs``: ``facts`` lists each fact a case may state (its
    type, allowed values with their Chinese labels, bounds and unit, label as ``title`` and
    question as ``description``; ``unknown``, ``不明`` or null state it as not yet
    established), nothing else; ``claimed_situations`` lists ``rs``'s situations."""
    schema = json_schema("case")
    schema["$id"] = f"urn:rongcuo:schema:case:{rs.id}:{rs.version}"
    schema["title"] = f"{rs.title} 案件文件 case file ({rs.id} {rs.version})"
    props = schema["properties"]
    stated = [d for d in rs.facts.values() if not d.scope and not d.computed]
    props["facts"] = {
        "type": "object",
        "description": props["facts"].get("description", ""),
        "properties": {d.id: _fact_schema(d) for d in stated},
        "additionalProperties": False,
    }
    situations = [r for r in rs.rules_of("situation")]
    props["claimed_situations"] = {
        "type": "array",
        "description": props["claimed_situations"].get("description", ""),
        "items": {"oneOf": [{"const": r.id, "title": r.label} for r in situations]},
    }
    return schema


def _fact_schema(decl: FactDecl) -> dict[str, Any]:
    """One fact's value: its type's schema, or a statement that it is unknown."""
    value: dict[str, Any]
    if decl.type == "bool":
        value = {"type": "boolean"}
    elif decl.type == "number":
        value = {"type": "number"}
        if decl.minimum is not None:
            value["minimum"] = decl.minimum
        if decl.maximum is not None:
            value["maximum"] = decl.maximum
    elif decl.type == "date":
        value = {"type": "string", "format": "date"}
    elif decl.type == "enum":
        value = {"oneOf": [{"const": k, "title": label} for k, label in decl.values]}
        if decl.multiple:
            many = {"type": "array", "items": value, "minItems": 1, "uniqueItems": True}
            value = {"oneOf": [value, many]}
    else:
        value = {"type": "string"}
    unknown = {"enum": [None, *sorted(UNKNOWN_WORDS)], "title": "不明 not yet established"}
    out: dict[str, Any] = {"title": decl.label, "anyOf": [value, unknown]}
    if decl.question:
        out["description"] = decl.question
    if decl.unit:
        out["x-rongcuo-unit"] = decl.unit
    if decl.presume:
        out["x-rongcuo-presumed"] = True  # left out, it is read as the ruleset presumes
    return out


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as the files under ``schemas/`` hold it: sorted keys, two-space indent."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
