"""Load one ruleset version file: YAML with positions → :class:`RulesetFile` + diagnostics.

This stage checks shape only (keys, types, id syntax). Meaning — undeclared facts, unknown rules,
cycles — is the checker's job once ``extends`` has been resolved.

The file's top level and its smaller declarations are read here; a condition is read by
:mod:`rongcuo.ruleset.load_conditions`, a fact declaration by :mod:`rongcuo.ruleset.load_facts`
and a rule by :mod:`rongcuo.ruleset.load_rules`. Re-exported from them so that their names stay
importable from here: ``MAX_CONDITION_DEPTH``, ``COND_FORMS``, ``CMP_OPS`` (load_conditions) and
``FACT_TYPES`` (load_facts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from rongcuo.errors import Diagnostic, DocPath, did_you_mean
from rongcuo.ruleset.declarations import STEP_ACTORS
from rongcuo.ruleset.document import load_document
from rongcuo.ruleset.load_conditions import CMP_OPS, COND_FORMS, MAX_CONDITION_DEPTH, read_cond
from rongcuo.ruleset.load_facts import FACT_TYPES, read_fact
from rongcuo.ruleset.load_rules import read_rule
from rongcuo.ruleset.model import (
    ANCHORS,
    RULESET_KINDS,
    Citation,
    ClearingDecl,
    Constraint,
    Distinction,
    Document,
    Effect,
    FactDecl,
    Look,
    Named,
    OutcomeDecl,
    ProcedureStep,
    RulesetFile,
    TimeLimit,
)
from rongcuo.ruleset.params import read_parameter, read_ref
from rongcuo.ruleset.reader import Reader, describe

__all__ = ["CMP_OPS", "COND_FORMS", "FACT_TYPES", "MAX_CONDITION_DEPTH", "load_ruleset_file"]

_EPOCH = dt.date(1900, 1, 1)  # stands in for a missing effective_from, which is reported
_TOP_REQUIRED = ("id", "title", "version", "effective_from")
_TOP_OPTIONAL = (
    "kind",
    "jurisdiction",
    "effective_until",
    "extends",
    "description",
    "documents",
    "facts",
    "looks",
    "distinctions",
    "outcomes",
    "rules",
    "disable",
    "procedure",
    "effects",
    "parameters",
    "constraints",
    "clearing",
)


def load_ruleset_file(
    path: Path, display: str | None = None
) -> tuple[RulesetFile | None, list[Diagnostic]]:
    """Parse one ruleset version file. Returns ``None`` with diagnostics when it cannot be used."""
    loaded, diags = load_document(path, display)
    if loaded is None:
        return None, diags
    r = Reader(loaded.positions)
    r.diags.extend(diags)
    parser = _RulesetParser(r)
    parser.lines = loaded.raw.decode("utf-8", errors="replace").splitlines()
    parsed = parser.parse(loaded.data, hashlib.sha256(loaded.raw).hexdigest())
    if any(d.severity == "error" for d in r.diags):
        return None, r.diags
    return parsed, r.diags


class _RulesetParser:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.lines: list[str] = []  # the file's text, to find the comment above a declaration

    def parse(self, data: Any, sha256: str) -> RulesetFile | None:
        r = self.r
        top = r.mapping(data, (), _TOP_REQUIRED, _TOP_OPTIONAL)
        if top is None:
            return None
        rid = r.ident(top, "id", ())
        version = r.text(top, "version", ())
        start = r.date(top, "effective_from", ())
        until = r.date(top, "effective_until", ())
        if start and until and until < start:
            r.report(
                "RC114",
                ("effective_until",),
                f"失效日期 {until} 早于生效日期 {start}",
                f"effective_until {until} is before effective_from {start}",
                "交换两个日期或更正其中之一 swap or correct the dates",
            )
        extends = r.text(top, "extends", ())
        base, _, base_version = extends.partition("@")
        rules = tuple(
            rule
            for i, raw in enumerate(r.list_of(top.get("rules"), ("rules",)))
            if (rule := read_rule(r, raw, ("rules", i), rid, self.citation)) is not None
        )
        disable = tuple((name, r.loc(p)) for name, p in r.text_list(top, "disable", ()))
        return RulesetFile(
            kind=self.kind(top),
            id=rid,
            title=r.text(top, "title", ()),
            jurisdiction=r.text(top, "jurisdiction", ()),
            version=version,
            effective_from=start or _EPOCH,
            effective_until=until,
            extends=base.strip(),
            extends_version=base_version.strip(),
            description=r.text(top, "description", ()),
            documents=self.items(top, "documents", self.document),
            facts=self.items(top, "facts", self.fact),
            looks=self.items(top, "looks", self.look),
            distinctions=self.items(top, "distinctions", self.distinction),
            outcomes=self.items(top, "outcomes", self.outcome),
            rules=rules,
            disable=disable,
            procedure=self.items(top, "procedure", self.procedure_step),
            effects=self.items(top, "effects", self.effect),
            path=r.file,
            sha256=sha256,
            src=r.loc(()),
            parameters=tuple(
                p
                for i, raw in enumerate(r.list_of(top.get("parameters"), ("parameters",)))
                if (p := read_parameter(r, raw, ("parameters", i), rid, self.citation)) is not None
            ),
            constraints=self.items(top, "constraints", self.constraint),
            clearing=self.clearing(top["clearing"]) if top.get("clearing") is not None else None,
        )

    def kind(self, top: dict[str, Any]) -> str:
        """The top-level ``kind:``: ``tolerance`` when not given, else one of RULESET_KINDS
        (RC178)."""
        r = self.r
        kind = r.text(top, "kind", (), "tolerance")
        if kind not in RULESET_KINDS:
            r.report(
                "RC178",
                ("kind",),
                f"规则集种类 kind {kind!r} 不存在，可用：{'、'.join(RULESET_KINDS)}",
                f"unknown ruleset kind {kind!r}; known: {', '.join(RULESET_KINDS)}",
                did_you_mean(kind, RULESET_KINDS)
                or "不写 kind 即为 tolerance（容错认定） leave it out for tolerance",
            )
            return "tolerance"
        return kind

    def clearing(self, raw: Any) -> ClearingDecl | None:
        """The ``clearing:`` block (catalogue §10): ``kinds``, ``methods``, ``handlings`` (each
        a list of ``{id, label, definition?, cite?}``), ``by`` (who clears, with ``by_cite``) and
        ``deadline`` (``{working_days, cite}``, counted from an allegation's ``concluded_on``)."""
        r = self.r
        path: DocPath = ("clearing",)
        m = r.mapping(raw, path, (), ("kinds", "methods", "handlings", "by", "by_cite", "deadline"))
        if m is None:
            return None
        limit = None
        cite = None
        if m.get("deadline") is not None:
            dpath = (*path, "deadline")
            d = r.mapping(m["deadline"], dpath, ("working_days",), ("cite",))
            if d is not None:
                days, ref = self.days(d, "working_days", dpath)
                if days is not None and days < 0:
                    r.report(
                        "RC115",
                        (*dpath, "working_days"),
                        "期限不能为负数",
                        "a time limit cannot be negative",
                    )
                limit = TimeLimit(days or 0, 0, "核查结论作出之日", "", ref)
                cite = self.citation(d["cite"], (*dpath, "cite")) if "cite" in d else None
        return ClearingDecl(
            kinds=self.items_at(m, "kinds", path, self.named),
            methods=self.items_at(m, "methods", path, self.named),
            handlings=self.items_at(m, "handlings", path, self.named),
            by=r.text(m, "by", path),
            by_cite=self.citation(m["by_cite"], (*path, "by_cite")) if "by_cite" in m else None,
            deadline=limit,
            deadline_cite=cite,
            src=r.loc(path),
        )

    def items_at(self, top: dict[str, Any], key: str, base: DocPath, parse: Any) -> tuple[Any, ...]:
        """The entries of the list ``top[key]`` (at ``base``) that ``parse`` accepts."""
        out = []
        for i, raw in enumerate(self.r.list_of(top.get(key), (*base, key))):
            item = parse(raw, (*base, key, i))
            if item is not None:
                out.append(item)
        return tuple(out)

    def named(self, raw: Any, path: DocPath) -> Named | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label"), ("definition", "cite"))
        if m is None:
            return None
        return Named(
            r.ident(m, "id", path),
            r.text(m, "label", path),
            r.text(m, "definition", path),
            self.citation(m["cite"], (*path, "cite")) if m.get("cite") is not None else None,
            r.loc(path),
        )

    def constraint(self, raw: Any, path: DocPath) -> Constraint | None:
        """``{id, when, message, message_en}``: values a case file may not state together."""
        r = self.r
        m = r.mapping(raw, path, ("id", "when", "message", "message_en"))
        if m is None:
            return None
        when = read_cond(r, m["when"], (*path, "when"))
        if when is None:
            return None
        return Constraint(
            r.ident(m, "id", path),
            when,
            r.text(m, "message", path),
            r.text(m, "message_en", path),
            r.loc(path),
        )

    def items(self, top: dict[str, Any], key: str, parse: Any) -> tuple[Any, ...]:
        return self.items_at(top, key, (), parse)

    # --- declarations ----------------------------------------------------------------

    def document(self, raw: Any, path: DocPath) -> Document | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "title"), ("number", "date", "issuer", "note"))
        if m is None:
            return None
        return Document(
            id=r.ident(m, "id", path),
            title=r.text(m, "title", path),
            number=r.text(m, "number", path),
            date=r.date(m, "date", path),
            issuer=r.text(m, "issuer", path),
            note=r.text(m, "note", path),
            src=r.loc(path),
        )

    def fact(self, raw: Any, path: DocPath) -> FactDecl | None:
        """One entry of ``facts:`` (:func:`~rongcuo.ruleset.load_facts.read_fact`)."""
        return read_fact(self.r, raw, path, self.lines)

    def look(self, raw: Any, path: DocPath) -> Look | None:
        m = self.r.mapping(raw, path, ("id", "label"), ("question",))
        if m is None:
            return None
        r = self.r
        return Look(
            r.ident(m, "id", path),
            r.text(m, "label", path),
            r.text(m, "question", path),
            r.loc(path),
        )

    def distinction(self, raw: Any, path: DocPath) -> Distinction | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label", "tolerable", "intolerable"))
        if m is None:
            return None
        return Distinction(
            r.ident(m, "id", path),
            r.text(m, "label", path),
            r.text(m, "tolerable", path),
            r.text(m, "intolerable", path),
            r.loc(path),
        )

    def outcome(self, raw: Any, path: DocPath) -> OutcomeDecl | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "label"), ("rank",))
        if m is None:
            return None
        oid = r.ident(m, "id", path)
        rank = m.get("rank")
        if rank is None:
            pass
        elif oid == "insufficient_facts":
            # 事实不清 is not lighter or heavier than an outcome: under either version it stays
            # insufficient_facts (catalogue §11), so a rank here would mean nothing.
            r.report(
                "RC217",
                (*path, "rank"),
                "insufficient_facts（事实不清）没有轻重之分，不能有 rank",
                "insufficient_facts has no rank: it is neither lighter nor heavier",
                "删除 rank remove `rank`",
            )
            rank = None
        elif isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            zh, en = describe(rank)
            r.report(
                "RC217",
                (*path, "rank"),
                f"rank 应为不小于 1 的整数（越小越轻），实际是{zh}",
                f"rank must be a whole number from 1 up (smaller is lighter), got {en}",
                "如 e.g. rank: 2",
            )
            rank = None
        return OutcomeDecl(oid, r.text(m, "label", path), r.loc(path), rank)

    def procedure_step(self, raw: Any, path: DocPath) -> ProcedureStep | None:
        r = self.r
        keys = ("description", "time_limit", "cite", "done_by", "by")
        m = r.mapping(raw, path, ("id", "label"), keys)
        if m is None:
            return None
        done_by = self.event(m, "done_by", path)
        by = r.text(m, "by", path) or "body"
        if by not in STEP_ACTORS:
            r.report(
                "RC111",
                (*path, "by"),
                f"办理主体 {by!r} 不存在，可用：body（认定机关）、cadre（干部本人）",
                f"unknown step actor {by!r}; known: body, cadre",
                did_you_mean(by, STEP_ACTORS),
            )
            by = "body"
        limit = None
        if m.get("time_limit") is not None:
            tpath = (*path, "time_limit")
            t = r.mapping(
                m["time_limit"], tpath, ("working_days",), ("extendable_by", "starts", "from")
            )
            if t is not None:
                days, days_ref = self.days(t, "working_days", tpath)
                extra, extra_ref = self.days(t, "extendable_by", tpath)
                extra = extra or 0
                for name, value in (("working_days", days), ("extendable_by", extra)):
                    if value is not None and value < 0:
                        r.report(
                            "RC115",
                            (*tpath, name),
                            "期限不能为负数",
                            "a time limit cannot be negative",
                        )
                anchor = self.event(t, "from", tpath)
                starts = r.text(t, "starts", tpath) or ANCHORS.get(anchor, "")
                limit = TimeLimit(days or 0, extra, starts, anchor, days_ref, extra_ref)
        return ProcedureStep(
            id=r.ident(m, "id", path),
            label=r.text(m, "label", path),
            description=r.text(m, "description", path),
            time_limit=limit,
            cite=self.citation(m.get("cite"), (*path, "cite")) if "cite" in m else None,
            done_by=done_by,
            by="cadre" if by == "cadre" else "body",
            src=r.loc(path),
        )

    def event(self, m: dict[str, Any], key: str, path: DocPath) -> str:
        """A procedural event named at ``key`` (one of ANCHORS), or ``""`` (RC111 if unknown)."""
        r = self.r
        name = r.text(m, key, path)
        if name and name not in ANCHORS:
            zh, en = (
                ("期限起算事件", "time-limit event")
                if key == "from"
                else ("完成事件", "done_by event")
            )
            r.report(
                "RC111",
                (*path, key),
                f"{zh} {name!r} 不存在，可用：{'、'.join(ANCHORS)}",
                f"unknown {en} {name!r}; known: {', '.join(ANCHORS)}",
                did_you_mean(name, ANCHORS),
            )
            return ""
        return name

    def days(self, t: dict[str, Any], key: str, path: DocPath) -> tuple[int | None, str]:
        """A count of working days: a whole number, or ``{param: NAME}`` (0 until merge puts
        the parameter's value in), with the reference or ``""``."""
        if isinstance(t.get(key), dict):
            ref = read_ref(self.r, t[key], (*path, key))
            return (0, ref) if ref is not None else (None, "")
        return self.r.integer(t, key, path), ""

    def effect(self, raw: Any, path: DocPath) -> Effect | None:
        r = self.r
        m = r.mapping(raw, path, ("id", "outcome", "text"), ("cite",))
        if m is None:
            return None
        return Effect(
            id=r.ident(m, "id", path),
            outcome=r.text(m, "outcome", path),
            text=r.text(m, "text", path),
            cite=self.citation(m.get("cite"), (*path, "cite")) if "cite" in m else None,
            src=r.loc(path),
        )

    def citation(self, raw: Any, path: DocPath) -> Citation | None:
        r = self.r
        m = r.mapping(raw, path, ("doc", "clause", "text"))
        if m is None:
            return None
        return Citation(
            r.ident(m, "doc", path), r.text(m, "clause", path), r.text(m, "text", path), r.loc(path)
        )
