"""A submitted case form read back into a case, and a case into the form's values: takes the
form's values (web/case_form.py names its fields) and a ruleset, gives a case file's mapping
(:func:`to_case`, not yet checked), and for a case file's mapping the values that state it
(:func:`from_case`).

The form keeps how a loaded case spelled what it says (``unknown``, ``不明`` or ``null`` for
unknown; one value or a list for a fact with several values; the order of its lists), so that
a case read into the form and submitted again is the same case, with the same content hash.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rongcuo.case.contract import UNKNOWN_WORDS
from rongcuo.ruleset.declarations import ANCHORS, FactDecl
from rongcuo.ruleset.model import Ruleset
from rongcuo.web.case_form import (
    ALLEGATION_FIELDS,
    CADRE,
    CORRECTION_FIELDS,
    EVIDENCE_FIELDS,
    FINDINGS,
    HEADER,
    SANCTION_FIELDS,
    SPREADS,
    UNKNOWN_TOKENS,
    Values,
    filled_rows,
    first,
    form_facts,
)

_INT = re.compile(r"^[+-]?\d+$")
_SPLIT = re.compile(r"[,，、;；\s]+")


def _text(values: Mapping[str, Sequence[str]], name: str) -> str | None:
    """Free text as typed (a browser's CR LF made LF), ``None`` when empty."""
    raw = first(values, name).replace("\r\n", "\n")
    return raw if raw != "" else None


def _token(raw: str) -> tuple[bool, Any]:
    """Whether ``raw`` is a 不明 choice, and the value it stands for."""
    if raw in UNKNOWN_TOKENS:
        return True, UNKNOWN_TOKENS[raw]
    return False, None


def _number(raw: str) -> Any:
    """A number as typed: a whole number as ``int``, else ``float``; text that is no number
    stays text, so that the case check names the fact."""
    text = raw.strip().replace(",", "").replace("，", "")
    if _INT.match(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return raw.strip()
    return value if math.isfinite(value) else raw.strip()


def ordered(chosen: Iterable[str], hint: str) -> list[str]:
    """``chosen`` in the order ``hint`` (comma-separated, as a loaded case listed them) gives,
    then the rest in form order."""
    picked = list(dict.fromkeys(chosen))
    hinted = [v for v in hint.split(",") if v in picked]
    return list(dict.fromkeys(hinted)) + [v for v in picked if v not in hinted]


def fact_value(decl: FactDecl, values: Mapping[str, Sequence[str]]) -> tuple[bool, Any]:
    """Whether the form states fact ``decl`` (``False``: left empty), and what it states."""
    name = f"f.{decl.id}"
    unknown = first(values, f"u.{decl.id}")
    if unknown and decl.type != "bool" and not (decl.type == "enum" and not decl.multiple):
        is_unknown, value = _token(unknown)
        if is_unknown:
            return True, value
    if decl.type == "enum" and decl.multiple:
        picked = ordered(values.get(name, []), first(values, f"order.{decl.id}"))
        if not picked:
            return False, None
        if len(picked) == 1 and first(values, f"shape.{decl.id}") == "one":
            return True, picked[0]
        return True, picked
    raw = first(values, name)
    if raw.strip() == "":
        return False, None
    is_unknown, value = _token(raw)
    if is_unknown:
        return True, value
    if decl.type == "bool":
        return True, {"true": True, "false": False}.get(raw, raw)
    if decl.type == "number":
        return True, _number(raw)
    if decl.type == "text":
        return True, raw.replace("\r\n", "\n")
    return True, raw.strip()


def _some(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The pairs whose value is given (not ``None``)."""
    return {k: v for k, v in pairs if v is not None}


def _answer(raw: str, allowed: Mapping[str, Any]) -> tuple[bool, Any]:
    """A select's answer: ``(False, None)`` when empty, a 不明 token, an allowed value, or
    the raw text (for the case check to refuse)."""
    if raw == "":
        return False, None
    is_unknown, value = _token(raw)
    if is_unknown:
        return True, value
    return True, allowed.get(raw, raw)


def to_case(values: Mapping[str, Sequence[str]], rs: Ruleset) -> dict[str, Any]:
    """The case a submitted form states, as a case file's mapping (not yet checked): what is
    left empty is left out."""
    case: dict[str, Any] = {}
    for key, _ in HEADER:
        text = _text(values, key)
        if text is not None:
            case[key] = text.strip() if key in ("incident_date", "conduct_until") else text
    cadre = _some((k, _text(values, f"cadre.{k}")) for k, _ in CADRE)
    if cadre:
        case["cadre"] = cadre
    claims = ordered(values.get("claim", []), first(values, "order.claims"))
    if claims:
        case["claimed_situations"] = claims
    facts: dict[str, Any] = {}
    for decl in form_facts(rs):
        stated, value = fact_value(decl, values)
        if stated:
            facts[decl.id] = value
    if facts:
        case["facts"] = facts
    evidence = []
    for row in filled_rows(values, "ev", EVIDENCE_FIELDS):
        item: dict[str, Any] = _some((k, row[k] or None) for k in ("id", "title"))
        supports = [s for s in _SPLIT.split(row["supports"]) if s]
        if supports:
            item["supports"] = supports
        evidence.append(item)
    if evidence:
        case["evidence"] = evidence
    procedure = _some((k, first(values, f"procedure.{k}").strip() or None) for k in ANCHORS)
    if procedure:
        case["procedure"] = procedure
    corrections = [
        _some((k, row[k].strip() if k == "due" else row[k] or None) for k in CORRECTION_FIELDS)
        for row in filled_rows(values, "co", CORRECTION_FIELDS)
    ]
    corrections = [{k: v for k, v in c.items() if v != ""} for c in corrections]
    if corrections:
        case["corrections"] = corrections
    allegations = [_allegation(row) for row in filled_rows(values, "al", ALLEGATION_FIELDS)]
    if allegations:
        case["allegations"] = allegations
    _who_decides(case, values)
    _restore_kept(case, first(values, KEPT))
    return case


def _who_decides(case: dict[str, Any], values: Mapping[str, Sequence[str]]) -> None:
    """The sanctions, the accountability body and the managing department the form states
    (catalogue §12, §13); a half-filled body or sanction goes to the case check as it is."""
    sanctions = []
    for row in filled_rows(values, "sa", SANCTION_FIELDS):
        item: dict[str, Any] = _some((k, row[k].strip() or None) for k in ("kind", "decided_on"))
        if row["months"].strip():
            item["months"] = _number(row["months"])
        sanctions.append(item)
    if sanctions:
        case["sanction"] = sanctions
    body = _some((k, _text(values, f"body.{k}")) for k in ("kind", "name"))
    if body:
        case["accountability_body"] = body
    department = _text(values, "managing_department")
    if department is not None:
        case["managing_department"] = department


#: The hidden field that carries, unchanged, what a loaded case states but the form does not
#: show (any field added to the case file later): a round trip through the form never drops it.
KEPT = "kept"
#: The case file's fields the form shows (all of ``cadre`` but the keys outside :data:`CADRE`).
SHOWN = frozenset(
    {k for k, _ in HEADER}
    | {"cadre", "claimed_situations", "facts", "evidence", "procedure", "corrections"}
    | {"allegations", "sanction", "accountability_body", "managing_department"}
)


def kept_of(case: Mapping[str, Any]) -> str:
    """What of ``case`` the form does not show, as the JSON text of :data:`KEPT` ("" if none):
    ``{"case": {field: value}, "cadre": {key: value}}`` with the empty parts left out."""
    kept: dict[str, Any] = {}
    rest = {k: v for k, v in case.items() if k not in SHOWN and v not in (None, [], {})}
    if rest:
        kept["case"] = rest
    cadre = case.get("cadre")
    if isinstance(cadre, Mapping):
        shown = {k for k, _ in CADRE}
        extra = {k: v for k, v in cadre.items() if k not in shown and v is not None}
        if extra:
            kept["cadre"] = extra
    return json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str) if kept else ""


def _restore_kept(case: dict[str, Any], raw: str) -> None:
    """Put back into ``case`` what :func:`kept_of` carried; text that is not such JSON, or that
    would overwrite what the form shows, is given to the case check as it is (``kept``, which
    it refuses, located), never dropped."""
    if not raw:
        return
    try:
        kept = json.loads(raw)
    except ValueError:
        kept = None
    parts = kept if isinstance(kept, dict) else {}
    rest, extra = parts.get("case", {}), parts.get("cadre", {})
    if (
        not isinstance(kept, dict)
        or not set(kept) <= {"case", "cadre"}
        or not isinstance(rest, dict)
        or not isinstance(extra, dict)
        or set(rest) & SHOWN
        or set(extra) & {k for k, _ in CADRE}
    ):
        case[KEPT] = raw
        return
    case.update(rest)
    if extra:
        case["cadre"] = {**case.get("cadre", {}), **extra}


def _allegation(row: Mapping[str, str]) -> dict[str, Any]:
    """One allegation row as a case file writes it."""
    item: dict[str, Any] = _some((k, row[k] or None) for k in ("id", "summary"))
    stated, value = _answer(row["finding"], {k: k for k, _ in FINDINGS})
    if stated:
        item["finding"] = value
    if row["kind"]:
        item["kind"] = row["kind"]
    reporter: dict[str, Any] = {}
    if row["reporter_name"]:
        reporter["name"] = row["reporter_name"]
    for key in ("signed", "informed"):
        stated, value = _answer(row[key], {"true": True, "false": False})
        if stated and value is not None:
            reporter[key] = value
    if reporter:
        item["reporter"] = reporter
    stated, value = _answer(row["spread"], {k: k for k, _ in SPREADS})
    if stated and value is not None:
        item["spread"] = value
    if row["when"].strip():
        item["concluded_on"] = row["when"].strip()
    return item


def _unknown_word(value: Any) -> str | None:
    """The 不明 token of a case's value when it states unknown, else ``None``."""
    if value is None:
        return "~"
    if isinstance(value, str) and value.strip() in UNKNOWN_WORDS:
        return value.strip() if value.strip() in UNKNOWN_TOKENS else "unknown"
    return None


def _shown(value: Any) -> str:
    """A scalar of a case as a form field shows it: ``true``/``false``, a float as Python
    writes it (``1.0`` stays ``1.0``, so it comes back a float), a day in ISO form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def from_case(case: Mapping[str, Any], rs: Ruleset) -> Values:
    """The form's values that state ``case`` (a case file's mapping, e.g. ``Case.model_dump(
    mode="json")``); :func:`to_case` of them is the same case. What the form cannot hold (a fact
    the ruleset does not declare for the form) is left out."""
    out: Values = {}

    def put(name: str, value: Any) -> None:
        text = _shown(value)
        if text != "":
            out.setdefault(name, []).append(text)

    for key, _ in HEADER:
        put(key, case.get(key))
    if kept := kept_of(case):
        out[KEPT] = [kept]
    cadre = case.get("cadre")
    if isinstance(cadre, Mapping):
        for key, _ in CADRE:
            put(f"cadre.{key}", cadre.get(key))
    claims = case.get("claimed_situations")
    if isinstance(claims, list) and claims:
        out["claim"] = [str(c) for c in claims]
        out["order.claims"] = [",".join(str(c) for c in claims)]
    facts = case.get("facts")
    facts = facts if isinstance(facts, Mapping) else {}
    for decl in form_facts(rs):
        if decl.id not in facts:
            continue
        _put_fact(out, decl, facts[decl.id])
    for i, ev in enumerate(_items(case.get("evidence"))):
        put(f"ev.{i}.id", ev.get("id"))
        put(f"ev.{i}.title", ev.get("title"))
        supports = ev.get("supports")
        if isinstance(supports, list) and supports:
            out[f"ev.{i}.supports"] = [", ".join(str(s) for s in supports)]
    procedure = case.get("procedure")
    if isinstance(procedure, Mapping):
        for key in ANCHORS:
            put(f"procedure.{key}", procedure.get(key))
    for i, co in enumerate(_items(case.get("corrections"))):
        for key in CORRECTION_FIELDS:
            put(f"co.{i}.{key}", co.get(key))
    for i, al in enumerate(_items(case.get("allegations"))):
        put(f"al.{i}.id", al.get("id"))
        put(f"al.{i}.summary", al.get("summary"))
        finding = al.get("finding")
        put(f"al.{i}.finding", _unknown_word(finding) or finding)
        put(f"al.{i}.kind", al.get("kind"))
        reporter = al.get("reporter")
        if isinstance(reporter, Mapping):
            put(f"al.{i}.reporter_name", reporter.get("name"))
            for key in ("signed", "informed"):
                answer = reporter.get(key)
                if answer is not None:
                    put(f"al.{i}.{key}", _unknown_word(answer) or answer)
        spread = al.get("spread")
        if spread is not None:
            put(f"al.{i}.spread", _unknown_word(spread) or spread)
        put(f"al.{i}.when", al.get("concluded_on"))
    sanctions = case.get("sanction")
    for i, sa in enumerate(_items([sanctions] if isinstance(sanctions, Mapping) else sanctions)):
        for key in SANCTION_FIELDS:
            put(f"sa.{i}.{key}", sa.get(key))
    body = case.get("accountability_body")
    if isinstance(body, Mapping):
        put("body.kind", body.get("kind"))
        put("body.name", body.get("name"))
    put("managing_department", case.get("managing_department"))
    return out


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list section of a case (anything else left out)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _put_fact(out: Values, decl: FactDecl, value: Any) -> None:
    """The form's values of one stated fact."""
    name = f"f.{decl.id}"
    word = _unknown_word(value)
    if word is not None:
        single = decl.type == "bool" or (decl.type == "enum" and not decl.multiple)
        out[name if single else f"u.{decl.id}"] = [word]
        return
    if decl.type == "enum" and decl.multiple:
        picked = [str(v) for v in value] if isinstance(value, list) else [_shown(value)]
        out[name] = picked
        out[f"order.{decl.id}"] = [",".join(picked)]
        out[f"shape.{decl.id}"] = ["list" if isinstance(value, list) else "one"]
        return
    out[name] = [_shown(value)]
