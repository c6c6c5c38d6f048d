"""Merge a base-first ``extends`` chain of ruleset files into one effective :class:`Ruleset`.

Takes the loaded version files, the base first and the version asked for last; gives the
ruleset they make together (declarations by id, rules replaced or disabled along the chain,
parameters resolved, ``clearing:`` blocks merged, the content hash of the components) with the
diagnostics of what cannot be merged, or ``None`` when any of them is an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from rongcuo.errors import Diagnostic, did_you_mean
from rongcuo.ruleset.model import (
    ClearingDecl,
    Component,
    FactDecl,
    Named,
    ProcedureStep,
    Rule,
    Ruleset,
    RulesetFile,
)
from rongcuo.ruleset.params import Resolver, merge_parameters

#: The declarations merged by id along the chain (the fields of :class:`RulesetFile`).
_TABLES = ("documents", "facts", "looks", "distinctions", "outcomes", "effects", "constraints")


def merge(chain: list[RulesetFile]) -> tuple[Ruleset | None, list[Diagnostic]]:
    """Merge a base-first chain of files into one effective ruleset."""
    diags: list[Diagnostic] = []
    top = chain[-1]
    tables: dict[str, dict[str, object]] = {name: {} for name in _TABLES}
    rules: dict[str, Rule] = {}
    for f in chain:
        _merge_declarations(f, tables, diags)
        _merge_rules(f, rules, diags)
        _disable(f, rules, diags)
    procedure = next((f.procedure for f in reversed(chain) if f.procedure), ())
    # Every {param: …} becomes the parameter's effective value here, once the whole chain is
    # known: a base's rule reads the value an extending ruleset gives its parameter.
    parameters, more = merge_parameters(chain)
    diags += more
    resolver = Resolver(parameters, tables["facts"])  # type: ignore[arg-type]
    rules = resolver.rules(rules)
    facts: dict[str, FactDecl] = resolver.fact_decls(tables["facts"])  # type: ignore[arg-type]
    procedure = resolver.procedure(procedure)
    clearing = _merge_clearing(chain)
    facts = _with_clearing_kinds(facts, clearing)
    if clearing is not None and clearing.deadline is not None:
        step = resolver.step(ProcedureStep("clearing", "澄清正名", time_limit=clearing.deadline))
        clearing = dataclasses.replace(clearing, deadline=step.time_limit)
    diags += resolver.diags
    if any(d.severity == "error" for d in diags):
        return None, diags
    components, digest = _components(chain)
    return (
        Ruleset(
            id=top.id,
            title=top.title,
            jurisdiction=top.jurisdiction,
            version=top.version,
            effective_from=top.effective_from,
            effective_until=top.effective_until,
            documents=tables["documents"],  # type: ignore[arg-type]
            facts=facts,
            looks=tables["looks"],  # type: ignore[arg-type]
            distinctions=tables["distinctions"],  # type: ignore[arg-type]
            outcomes=tables["outcomes"],  # type: ignore[arg-type]
            rules=rules,
            procedure=procedure,
            effects=tables["effects"],  # type: ignore[arg-type]
            components=components,
            content_hash="sha256:" + digest,
            parameters=parameters,
            constraints=tables["constraints"],  # type: ignore[arg-type]
            clearing=clearing,
        ),
        diags,
    )


def _merge_declarations(
    f: RulesetFile, tables: dict[str, dict[str, object]], diags: list[Diagnostic]
) -> None:
    """Add the declarations of ``f`` to ``tables`` by id: a repeated id is an error (RC101),
    and a fact marked ``replaces: true`` replaces the inherited one (RC144, RC112)."""
    for name, table in tables.items():
        for item in getattr(f, name):
            if name == "facts" and item.id in table and item.replaces:
                problem = _fact_replacement(table[item.id], item)  # type: ignore[arg-type]
                if problem:
                    diags.append(problem)
                else:
                    table[item.id] = item
                continue
            if name == "facts" and item.replaces:
                diags.append(
                    Diagnostic(
                        "RC112",
                        item.src,
                        f"事实 {item.id!r} 写了 replaces: true，但没有可替换的继承事实",
                        f"fact {item.id!r} says replaces: true but inherits no fact of that id",
                        "删除 replaces remove `replaces`",
                    )
                )
                continue
            if item.id in table:
                prev = table[item.id]
                diags.append(
                    Diagnostic(
                        "RC101",
                        item.src,
                        f"{name} 中的 id {item.id!r} 已在 {prev.src} 声明",  # type: ignore[attr-defined]
                        f"{name} id {item.id!r} is already declared at {prev.src}",  # type: ignore[attr-defined]
                        "换一个 id，或删除重复的声明 use another id or drop the repeat",
                    )
                )
                continue
            table[item.id] = item


def _merge_rules(f: RulesetFile, rules: dict[str, Rule], diags: list[Diagnostic]) -> None:
    """Add the rules of ``f`` to ``rules``: an id once per file (RC101), an inherited rule
    replaced only with ``replaces: true``, and ``replaces`` only of an inherited rule (RC112)."""
    own: set[str] = set()
    for rule in f.rules:
        if rule.id in own:
            diags.append(
                Diagnostic(
                    "RC101",
                    rule.src,
                    f"规则 id {rule.id!r} 在本文件中重复（首次在 {rules[rule.id].src}）",
                    f"rule id {rule.id!r} is repeated in this file (first at {rules[rule.id].src})",
                    "换一个 id use another id",
                )
            )
            continue
        own.add(rule.id)
        inherited = rule.id in rules and rules[rule.id].ruleset != f.id
        if inherited and not rule.replaces:
            diags.append(
                Diagnostic(
                    "RC112",
                    rule.src,
                    f"规则 {rule.id!r} 已由 {rules[rule.id].ruleset} 定义（{rules[rule.id].src}）",
                    f"rule {rule.id!r} is already defined by {rules[rule.id].ruleset} "
                    f"({rules[rule.id].src})",
                    "要替换继承的规则，加上 `replaces: true`；否则换一个 id "
                    "add `replaces: true` to replace the inherited rule, or use another id",
                )
            )
            continue
        if rule.replaces and not inherited:
            diags.append(
                Diagnostic(
                    "RC112",
                    rule.src,
                    f"规则 {rule.id!r} 写了 replaces: true，但没有可替换的继承规则",
                    f"rule {rule.id!r} says replaces: true but inherits no rule of that id",
                    did_you_mean(rule.id, [r for r in rules if rules[r].ruleset != f.id])
                    or "删除 replaces remove `replaces`",
                )
            )
        rules[rule.id] = rule


def _disable(f: RulesetFile, rules: dict[str, Rule], diags: list[Diagnostic]) -> None:
    """Drop the inherited rules ``f`` lists under ``disable`` (RC113 for any other name)."""
    for name, loc in f.disable:
        if name in rules and rules[name].ruleset != f.id:
            del rules[name]
        else:
            diags.append(
                Diagnostic(
                    "RC113",
                    loc,
                    f"disable 列出的 {name!r} 不是继承的规则",
                    f"disable names {name!r}, which is not an inherited rule",
                    did_you_mean(name, [r for r in rules if rules[r].ruleset != f.id]),
                )
            )


def _with_clearing_kinds(
    facts: dict[str, FactDecl], clearing: ClearingDecl | None
) -> dict[str, FactDecl]:
    """``facts`` with the kinds a ``clearing:`` block adds among the values of
    ``allegation_kind``."""
    kind_decl = facts.get("allegation_kind")
    if clearing is not None and kind_decl is not None and kind_decl.scope == "allegation":
        # a local ruleset adds a kind of false accusation in its clearing block alone: the
        # values of allegation_kind follow the kinds declared (catalogue §10, "adds its own")
        added = tuple((k.id, k.label) for k in clearing.kinds if k.id not in kind_decl.keys)
        if added:
            facts = {
                **facts,
                kind_decl.id: dataclasses.replace(kind_decl, values=kind_decl.values + added),
            }
    return facts


def _components(chain: list[RulesetFile]) -> tuple[tuple[Component, ...], str]:
    """The files of the chain as a Decision records them, and the SHA-256 of their list."""
    # Recorded in every Decision: relative to the ruleset folder, so it is the same wherever the
    # command runs.
    components = tuple(
        Component(f.id, f.version, f"{f.id}/{Path(f.path).name}", f.sha256) for f in chain
    )
    digest = hashlib.sha256(
        json.dumps([[c.id, c.version, c.sha256] for c in components]).encode()
    ).hexdigest()
    return components, digest


def _fact_replacement(old: FactDecl, new: FactDecl) -> Diagnostic | None:
    """A local ruleset may restate an inherited fact (``replaces: true``), e.g. to presume it
    otherwise; what cases write for it must stay the same: its type, values and multiplicity."""
    if (old.type, old.values, old.multiple) == (new.type, new.values, new.multiple):
        return None
    return Diagnostic(
        "RC144",
        new.src,
        f"替换继承的事实 {new.id!r} 时不能改变其类型、取值或是否多选（继承自 {old.src}）",
        f"replacing the inherited fact {new.id!r} cannot change its type, values or "
        f"multiplicity (inherited from {old.src})",
        "只改 label、question、looks、presume；要新的取值请声明新事实 change only label, "
        "question, looks or presume; declare a new fact for new values",
    )


def _merge_clearing(chain: list[RulesetFile]) -> ClearingDecl | None:
    """The ``clearing:`` blocks of a chain, base first: an entry (kind, method, handling) of a
    later file replaces the one of the same id (local wording) or is added; ``by`` and
    ``deadline``, when a later file gives them, replace the base's."""
    blocks = [f.clearing for f in chain if f.clearing is not None]
    if not blocks:
        return None
    merged = blocks[0]
    for block in blocks[1:]:
        merged = ClearingDecl(
            kinds=_joined(merged.kinds, block.kinds),
            methods=_joined(merged.methods, block.methods),
            handlings=_joined(merged.handlings, block.handlings),
            by=block.by or merged.by,
            by_cite=block.by_cite if block.by else merged.by_cite,
            deadline=block.deadline or merged.deadline,
            deadline_cite=block.deadline_cite if block.deadline else merged.deadline_cite,
            src=block.src,
        )
    return merged


def _joined(old: tuple[Named, ...], new: tuple[Named, ...]) -> tuple[Named, ...]:
    """``old`` with each entry of ``new`` replacing the one of its id, or added after them."""
    table = {n.id: n for n in old}
    table.update((n.id, n) for n in new)
    return tuple(table.values())
