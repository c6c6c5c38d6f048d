"""Where the base of ``rongcuo diff`` comes from: a git revision of a ruleset, or another folder.

:func:`open_revision` turns ``RULESET@REV`` (``rulesets/wanzhou@HEAD~1``) or ``RULESET@FOLDER``
(``rulesets/wanzhou@/path/to/old``) into a :class:`RulesetSource`: the folders to look the
ruleset up in (a ``git archive`` export in a temporary folder, for a revision) and how to name
them in messages. :func:`ruleset_folder` finds a ruleset's folder from a path or an id. Problems
raise :class:`RevisionError`.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from rongcuo.errors import Diagnostic, RongcuoError, RulesetNotFound
from rongcuo.ruleset.library import Library


class RevisionError(RongcuoError):
    """A git revision or folder given for a side cannot be used (git failed, no such folder)."""


@dataclass(frozen=True)
class RulesetSource:
    """One side of a diff: the ruleset id, the folders to search, and how to name it.

    ``renames`` maps temporary folders (a git export) back to what the user wrote, for messages.
    """

    ruleset_id: str
    paths: tuple[Path, ...]
    label: str
    renames: tuple[tuple[str, str], ...] = ()

    def display(self, text: str) -> str:
        """``text`` with temporary folders replaced by the revision they hold."""
        for old, new in self.renames:
            text = text.replace(old, new)
        return text

    def display_diagnostic(self, d: Diagnostic) -> Diagnostic:
        """A diagnostic with its file and messages shown as :meth:`display` does."""
        return replace(
            d,
            location=replace(d.location, file=self.display(d.location.file)),
            message_zh=self.display(d.message_zh),
            message_en=self.display(d.message_en),
            hint=self.display(d.hint),
        )


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise RevisionError("找不到 git 命令 / git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise RevisionError(f"git {' '.join(args)}: {message}")
    return done.stdout


def ruleset_folder(spec: str) -> Path:
    """The folder of a ruleset given as a folder, a version file in it, or an id (looked up
    among the bundled rulesets). Raises :class:`RevisionError` when there is none."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        path = path.parent
    if path.is_dir():
        return path
    if os.sep in spec or spec.startswith("."):
        raise RevisionError(f"没有这个规则集文件夹 / no such ruleset folder: {spec}")
    try:
        return Library().folder(spec)
    except RulesetNotFound as exc:
        raise RevisionError(str(exc)) from None


def open_revision(spec: str, stack: ExitStack) -> RulesetSource:
    """A side given as ``RULESET@REV`` or ``RULESET@FOLDER``.

    ``RULESET`` is a folder (``rulesets/wanzhou``) or an id. With a git revision, the ruleset
    folder's parent (the whole ``rulesets/`` tree, so that ``extends`` resolves at that revision
    too) is exported with ``git archive`` into a temporary folder that ``stack`` removes. With a
    folder holding the ruleset's version files, that folder (under the id's name) and its parent
    are searched. Raises :class:`RevisionError`.
    """
    target, _, ref = spec.partition("@")
    if not target or not ref:
        raise RevisionError(f"应写作 RULESET@REV / expected RULESET@REV, got {spec!r}")
    folder = ruleset_folder(target).resolve()
    rid = folder.name
    other = Path(ref)
    if other.is_dir():
        other = other.resolve()
        if other.name == rid:
            return RulesetSource(rid, (other.parent,), spec)
        alias = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rongcuo-diff-")))
        (alias / rid).symlink_to(other, target_is_directory=True)
        return RulesetSource(rid, (alias, other.parent), spec)
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).decode().strip()).resolve()
    parent = folder.parent.relative_to(top) if folder.parent != top else Path()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except RevisionError:
        raise RevisionError(
            f"{top} 中没有 git 版本 {ref!r} / no revision {ref!r} in the repository {top}"
        ) from None
    pathspec = [] if parent == Path() else ["--", parent.as_posix()]
    data = _git(["archive", "--format=tar", ref, *pathspec], top)
    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rongcuo-diff-")))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(root, filter="data")
    exported = root / parent
    if not (exported / rid).is_dir():
        shown = (parent / rid).as_posix()
        raise RevisionError(f"{ref} 中没有规则集文件夹 {shown} / {shown} does not exist at {ref}")
    renames = tuple(dict.fromkeys([str(root) + os.sep, str(root.resolve()) + os.sep]))
    return RulesetSource(rid, (exported,), spec, tuple((old, f"{ref}:") for old in renames))
