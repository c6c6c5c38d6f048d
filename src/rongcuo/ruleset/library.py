"""Find rulesets on disk, choose the version in force, and merge ``extends`` chains.

A ruleset is a folder named for its id holding one YAML file per version::

    rulesets/
      national/2019.yaml
      wanzhou/2018.yaml
      wanzhou/2024.yaml

``extends: national`` takes the version of ``national`` in force on the same date;
``extends: national@2019`` pins one version.

A chain of files is merged into one ruleset by :func:`rongcuo.ruleset.merge.merge`, re-exported
here as ``merge``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rongcuo.errors import Diagnostic, Location, RulesetError, RulesetNotFound, did_you_mean
from rongcuo.ruleset.check import check_ruleset
from rongcuo.ruleset.load import load_ruleset_file
from rongcuo.ruleset.merge import merge
from rongcuo.ruleset.model import Ruleset, RulesetFile

__all__ = ["Library", "Versions", "bundled_dir", "merge"]


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

    def ids(self, kind: str | None = "tolerance") -> list[str]:
        """The ruleset ids that can be found, of ``kind`` (:meth:`kind_of`): by default the
        tolerance rulesets, which decide cases (the service's list, the workspace); ``None``
        gives every id, assessment rulesets too."""
        found: set[str] = set()
        for base in self.paths:
            if base.is_dir():
                found.update(p.name for p in base.iterdir() if p.is_dir() and _has_versions(p))
        if kind is None:
            return sorted(found)
        return sorted(rid for rid in found if self.kind_of(rid) == kind)

    def kind_of(self, rid: str) -> str:
        """The kind of ruleset ``rid`` (``tolerance`` or ``assessment``): that of its version
        files. A folder none of whose files loads, or whose files differ in kind (RC174), counts
        as ``tolerance``, so that it is still listed where its errors are shown."""
        kinds = {f.kind for f in self.versions(rid).files}
        return "assessment" if kinds == {"assessment"} else "tolerance"

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
            + did_you_mean(rid, self.ids(kind=None))
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
        out.diagnostics.extend(_mixed_kinds(out.files))
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
        ruleset, more = _merge(chain)
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
                        did_you_mean(base_id, self.ids(kind=None)),
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
            if base.kind != current.kind:
                return None, [_across_kinds(current, base)]
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
                ruleset, merged = _merge(chain)
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


def _merge(chain: list[RulesetFile]) -> tuple[Ruleset | None, list[Diagnostic]]:
    """``merge`` of a chain whose files share one kind (``_chain`` saw to it), with that kind."""
    ruleset, diags = merge(chain)
    if ruleset is not None and ruleset.kind != chain[-1].kind:
        ruleset = dataclasses.replace(ruleset, kind=chain[-1].kind)
    return ruleset, diags


def _across_kinds(child: RulesetFile, base: RulesetFile) -> Diagnostic:
    """RC174: an assessment ruleset extends a tolerance one, or the other way round."""
    kinds = {"tolerance": "容错认定（tolerance）", "assessment": "评估（assessment）"}
    return Diagnostic(
        "RC174",
        Location(child.path, child.src.line, child.src.column, ("extends",)),
        f"{kinds[child.kind]}规则集 {child.id} 不能继承{kinds[base.kind]}规则集 {base.id}："
        "两种规则集的结论与规则种类不同",
        f"the {child.kind} ruleset {child.id} cannot extend the {base.kind} ruleset {base.id}: "
        "the two kinds have different outcomes and rules",
        "删除 extends；评估规则集读取的影响期参数由 national 提供，无须继承 "
        "remove `extends` (an assessment reads the impact periods from national without it)",
    )


def _mixed_kinds(files: list[RulesetFile]) -> list[Diagnostic]:
    """RC174 for each version file whose kind differs from the first version's."""
    ordered = sorted(files, key=lambda f: f.effective_from)
    return [
        Diagnostic(
            "RC174",
            Location(f.path, f.src.line, f.src.column, ("kind",)),
            f"同一规则集的各版本种类须相同：版本 {f.version} 是 {f.kind}，"
            f"版本 {ordered[0].version} 是 {ordered[0].kind}",
            f"every version of one ruleset has one kind: version {f.version} is {f.kind}, "
            f"version {ordered[0].version} is {ordered[0].kind}",
            "新种类的规则请另建一个规则集文件夹 put rules of another kind in a ruleset of its own",
        )
        for f in ordered[1:]
        if f.kind != ordered[0].kind
    ]


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
