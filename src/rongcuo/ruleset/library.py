"""Find rulesets on disk, choose the version in force, and merge ``extends`` chains.

A ruleset is a folder named for its id holding one YAML file per version::

    rulesets/
      national/2019.yaml
      wanzhou/2018.yaml
      wanzhou/2024.yaml

``extends: national`` takes the version of ``national`` in force on the same date;
``extends: national@2019`` pins one version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rongcuo.errors import Diagnostic, Location, RulesetError, RulesetNotFound, did_you_mean
from rongcuo.ruleset.check import check_ruleset
from rongcuo.ruleset.load import load_ruleset_file
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


def bundled_dir() -> Path:
    """The folder of rulesets shipped with rongcuo (inside the wheel, or the source checkout)."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "rulesets"
    if inside.is_dir():
        return inside
    return package.parent.parent / "rulesets"


@dataclass
class Versions:
    """The loaded version files of one ruleset id, and what went wrong loading them."""

    id: str
    folder: Path
    files: list[RulesetFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Library:
    """Where rulesets are looked up. Build one and pass it around; nothing is global.

    ``paths`` are folders holding ruleset folders; the bundled rulesets come last, so a local
    folder of the same name shadows a bundled one.
    """

    def __init__(self, paths: Sequence[Path | str] = (), *, include_bundled: bool = True) -> None:
        self.paths = [Path(p) for p in paths]
        if include_bundled:
            self.paths.append(bundled_dir())
        self._versions: dict[str, Versions] = {}
        self._merged: dict[tuple[str, ...], Ruleset] = {}  # by the files' hashes, base first
        self._checked: dict[tuple[str, ...], list[Diagnostic]] = {}

    # --- discovery --------------------------------------------------------------------

    def ids(self) -> list[str]:
        """Every ruleset id that can be found."""
        found: set[str] = set()
        for base in self.paths:
            if base.is_dir():
                found.update(p.name for p in base.iterdir() if p.is_dir() and _has_versions(p))
        return sorted(found)

    def folder(self, rid: str) -> Path:
        """The first folder named ``rid`` on :attr:`paths`. A folder of that name is the
        ruleset even when it holds no version file (``versions`` reports it, RC131): falling
        through to a bundled ruleset of the same name would check or apply rules nobody asked
        for."""
        for base in self.paths:
            candidate = base / rid
            if candidate.is_dir():
                return candidate
        raise RulesetNotFound(
            f"找不到规则集 {rid!r} / no ruleset {rid!r} in {', '.join(map(str, self.paths))}. "
            + did_you_mean(rid, self.ids())
        )

    def versions(self, rid: str) -> Versions:
        """Load (once) every version file of ``rid``."""
        if rid in self._versions:
            return self._versions[rid]
        folder = self.folder(rid)
        out = Versions(rid, folder)
        out.diagnostics.extend(_stray_files(folder))
        for path in _version_files(folder):
            parsed, diags = load_ruleset_file(path, _display(path))
            out.diagnostics.extend(diags)
            if parsed is None:
                continue
            if parsed.id != rid:
                out.diagnostics.append(
                    Diagnostic(
                        "RC106",
                        Location(_display(path), 1, 1, ("id",)),
                        f"文件在文件夹 {rid!r} 中，但 id 是 {parsed.id!r}",
                        f"the file is in folder {rid!r} but its id is {parsed.id!r}",
                        f"把 id 改为 {rid!r}，或把文件移到 {parsed.id}/ 文件夹",
                    )
                )
                continue
            out.files.append(parsed)
        out.diagnostics.extend(_overlaps(out.files))
        self._versions[rid] = out
        return out

    # --- resolution ---------------------------------------------------------------------

    def in_force(self, rid: str, day: dt.date) -> RulesetFile:
        """The version file of ``rid`` in force on ``day``."""
        versions = self.versions(rid)
        errors = [d for d in versions.diagnostics if d.severity == "error"]
        if errors:
            raise RulesetError(versions.diagnostics)
        for f in versions.files:
            if f.in_force(day):
                return f
        spans = "; ".join(
            f"{f.version}: {f.effective_from} – {f.effective_until or '…'}" for f in versions.files
        )
        raise RulesetNotFound(
            f"规则集 {rid!r} 没有在 {day} 有效的版本 / no version of {rid!r} is in force on "
            f"{day} (versions: {spans or 'none'})"
        )

    def resolve(self, rid: str, day: dt.date) -> Ruleset:
        """The effective ruleset ``rid`` as in force on ``day``, checked; raises on errors."""
        top = self.in_force(rid, day)
        chain, diags = self._chain(top, day)
        if chain is None:
            raise RulesetError(diags)
        key = tuple(f.sha256 for f in chain)
        if key in self._merged:  # every day on which the same files apply shares one ruleset
            return self._merged[key]
        ruleset, more = merge(chain)
        diags += more
        if ruleset is not None:
            diags += self._check_once(chain, ruleset)
        if ruleset is None or any(d.severity == "error" for d in diags):
            raise RulesetError(diags)
        self._merged[key] = ruleset
        return ruleset

    def _check_once(self, chain: list[RulesetFile], ruleset: Ruleset) -> list[Diagnostic]:
        key = tuple(f.sha256 for f in chain)
        if key not in self._checked:
            self._checked[key] = check_ruleset(ruleset)
        return self._checked[key]

    def _chain(
        self, top: RulesetFile, day: dt.date | None
    ) -> tuple[list[RulesetFile] | None, list[Diagnostic]]:
        """``top`` and its ancestors, base first. ``day=None`` takes the base in force on
        ``top``'s first day (used by ``check``, which then checks every overlapping base)."""
        chain = [top]
        seen = {top.id}
        current = top
        while current.extends:
            base_id = current.extends
            if base_id in seen:
                return None, [
                    _broken(
                        current,
                        f"extends 形成循环：{' → '.join([*seen, base_id])}",
                        f"extends forms a cycle: {' → '.join([*seen, base_id])}",
                        "",
                    )
                ]
            try:
                versions = self.versions(base_id)
            except RulesetNotFound:
                return None, [
                    _broken(
                        current,
                        f"extends 指向不存在的规则集 {base_id!r}",
                        f"extends names a ruleset that does not exist: {base_id!r}",
                        did_you_mean(base_id, self.ids()),
                    )
                ]
            if any(d.severity == "error" for d in versions.diagnostics):
                return None, versions.diagnostics
            base = _pick_base(versions, current, day or current.effective_from)
            if base is None:
                wanted = f"@{current.extends_version}" if current.extends_version else ""
                return None, [
                    _broken(
                        current,
                        f"规则集 {base_id}{wanted} 没有在 {day or current.effective_from} 有效的版本",
                        f"no version of {base_id}{wanted} is in force on "
                        f"{day or current.effective_from}",
                        "可用版本 versions: "
                        + ", ".join(
                            f"{f.version} ({f.effective_from} – {f.effective_until or '…'})"
                            for f in versions.files
                        ),
                    )
                ]
            seen.add(base_id)
            chain.insert(0, base)
            current = base
        return chain, []

    # --- checking -----------------------------------------------------------------------

    def check(self, rid: str) -> list[Diagnostic]:
        """Every problem in every version of ``rid``, each checked with each base it can meet."""
        versions = self.versions(rid)
        diags = list(versions.diagnostics)
        for top in versions.files:
            for day in self._check_days(top):
                chain, more = self._chain(top, day)
                diags += more
                if chain is None:
                    continue
                ruleset, merged = merge(chain)
                diags += merged
                if ruleset is not None:
                    diags += self._check_once(chain, ruleset)
        return diags

    def effective_rulesets(self, rid: str) -> list[Ruleset]:
        """Each distinct effective ruleset of ``rid``: every version with each base it can meet
        (the combinations :meth:`check` checks). Raises :class:`RulesetError` on errors."""
        found: dict[str, Ruleset] = {}
        for top in self.versions(rid).files:
            for day in self._check_days(top):
                rs = self.resolve(rid, day)
                found.setdefault(rs.content_hash, rs)
        return list(found.values())

    def _check_days(self, top: RulesetFile) -> list[dt.date]:
        """Days on which ``top`` meets a different version of its base: its first day and each
        day a base version starts inside its span."""
        days = [top.effective_from]
        if not top.extends or top.extends_version:
            return days
        try:
            base = self.versions(top.extends)
        except RulesetNotFound:
            return days
        for f in base.files:
            if top.effective_from < f.effective_from and (
                top.effective_until is None or f.effective_from <= top.effective_until
            ):
                days.append(f.effective_from)
        return days


def _version_files(folder: Path) -> list[Path]:
    """The version files of a ruleset folder: ``*.yaml`` (whatever they are; a directory or a
    FIFO so named is reported when read, RC007)."""
    return sorted(folder.glob("*.yaml"))


def _stray_files(folder: Path) -> list[Diagnostic]:
    """RC130 for each ``*.yml`` file in a ruleset folder, RC131 when there is no version file.

    Versions are read from ``*.yaml`` only (one spelling, so that a listing of the folder shows
    every version). A ``.yml`` file was once read too; skipping it in silence would drop a
    version its author meant, so it is an error naming the file to rename.
    """
    out = [
        Diagnostic(
            "RC130",
            Location(_display(path)),
            f"规则集版本文件的扩展名须为 .yaml：{path.name} 不会被读取",
            f"ruleset version files end in .yaml: {path.name} is not read",
            f"改名为 rename it to {path.stem}.yaml",
        )
        for path in sorted(folder.glob("*.yml"))
    ]
    if not out and not _has_versions(folder):
        out.append(
            Diagnostic(
                "RC131",
                Location(_display(folder)),
                f"规则集文件夹 {folder.name} 中没有版本文件（*.yaml）",
                f"the ruleset folder {folder.name} holds no version file (*.yaml)",
                "每个版本一个 .yaml 文件，见 docs/ruleset.md 第 1 节 "
                "one .yaml file a version, see docs/ruleset.md section 1",
            )
        )
    return out


def _has_versions(folder: Path) -> bool:
    return bool(_version_files(folder))


def _pick_base(versions: Versions, child: RulesetFile, day: dt.date) -> RulesetFile | None:
    for f in versions.files:
        if child.extends_version:
            if f.version == child.extends_version:
                return f
        elif f.in_force(day):
            return f
    return None


def _broken(f: RulesetFile, zh: str, en: str, hint: str) -> Diagnostic:
    return Diagnostic(
        "RC106", Location(f.path, f.src.line, f.src.column, ("extends",)), zh, en, hint
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _overlaps(files: list[RulesetFile]) -> list[Diagnostic]:
    out = []
    seen: dict[str, RulesetFile] = {}
    ordered = sorted(files, key=lambda f: f.effective_from)
    for f in files:
        if f.version in seen:
            out.append(
                Diagnostic(
                    "RC101",
                    Location(f.path, 1, 1, ("version",)),
                    f"版本号 {f.version!r} 与 {seen[f.version].path} 重复",
                    f"version {f.version!r} is also used by {seen[f.version].path}",
                    "每个版本文件用不同的 version",
                )
            )
        seen[f.version] = f
    for a, b in itertools.pairwise(ordered):
        if a.effective_until is None or a.effective_until >= b.effective_from:
            out.append(
                Diagnostic(
                    "RC114",
                    Location(a.path, 1, 1, ("effective_until",)),
                    f"版本 {a.version} 与 {b.version}（{b.path}）的有效期重叠",
                    f"version {a.version} overlaps version {b.version} ({b.path})",
                    f"把 effective_until 设为 {b.effective_from - dt.timedelta(days=1)} "
                    f"set effective_until to the day before {b.effective_from}",
                )
            )
    return out


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


def merge(chain: list[RulesetFile]) -> tuple[Ruleset | None, list[Diagnostic]]:
    """Merge a base-first chain of files into one effective ruleset."""
    diags: list[Diagnostic] = []
    top = chain[-1]
    tables: dict[str, dict[str, object]] = {
        name: {}
        for name in (
            "documents",
            "facts",
            "looks",
            "distinctions",
            "outcomes",
            "effects",
            "constraints",
        )
    }
    rules: dict[str, Rule] = {}
    for f in chain:
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
    if clearing is not None and clearing.deadline is not None:
        step = resolver.step(ProcedureStep("clearing", "澄清正名", time_limit=clearing.deadline))
        clearing = dataclasses.replace(clearing, deadline=step.time_limit)
    diags += resolver.diags
    if any(d.severity == "error" for d in diags):
        return None, diags
    # Recorded in every Decision: relative to the ruleset folder, so it is the same wherever the
    # command runs.
    components = tuple(
        Component(f.id, f.version, f"{f.id}/{Path(f.path).name}", f.sha256) for f in chain
    )
    digest = hashlib.sha256(
        json.dumps([[c.id, c.version, c.sha256] for c in components]).encode()
    ).hexdigest()
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
