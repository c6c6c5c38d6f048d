"""Ruleset text that is not (yet) a served version: what the editor shows, checks and saves.

- :func:`version_text` reads a served version file as it is on disk (through the library);
  :func:`draft_names`, :func:`read_draft` and :func:`save_draft` list, read and write drafts in
  the service's drafts folder (``DRAFTS/<id>/<name>.yaml``; a name is ``[a-z0-9_-]{1,40}``,
  nothing is written outside ``DRAFTS``, a draft is replaced only when asked, the write is
  atomic).
- :class:`Staged` lays edited text out as the library expects, in a temporary folder
  (``<tmp>/<id>/<file>.yaml`` beside the ruleset's other served versions, minus the one of the
  same ``version``), so that check, lint, the scenarios and ``diff`` see it as if installed. Its
  engines look in the temporary folder first, then the configured folders, then the bundled
  rulesets (so the national ruleset a local one extends stays the bundled one).
- :class:`Scrub` turns server paths in findings and reports into what an officer may see: the
  edited file is "the edited file", a served ruleset file ``<id>/<file>``, a case file
  ``<folder name>/<file>``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from rongcuo.api import Engine
from rongcuo.errors import Diagnostic, InputError, Location, RulesetNotFound, sort_diagnostics
from rongcuo.files import write_file
from rongcuo.ruleset.library import bundled_dir
from rongcuo.service.core import Refused, refused

#: A draft's name: also its file name without ``.yaml``.
DRAFT_NAME = re.compile(r"[a-z0-9_-]{1,40}")
#: How the edited file is named in findings.
EDITED = "编辑中的文件"
_VERSION = re.compile(r"""^version:\s*["']?([^"'#\s]+)""", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """One check or lint finding, located for the editor: ``file`` is ``""`` for the edited
    text, else another file as ``<id>/<file>`` (``line``/``column`` are in that file)."""

    line: int
    column: int
    code: str
    severity: str
    message_zh: str
    message_en: str
    hint: str
    file: str
    path: str

    def to_dict(self) -> dict[str, object]:
        """The finding as JSON data."""
        return asdict(self)


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether one of ``findings`` is an error (warnings do not count)."""
    return any(f.severity == "error" for f in findings)


# --- served versions and drafts -------------------------------------------------------------


def version_text(engine: Engine, rid: str, version: str | None) -> tuple[str, str, str]:
    """``(version, file name, text)`` of the served version ``version`` of ``rid`` (default:
    the newest by its first day). An unknown version is 404 RC905."""
    files = engine.library.versions(rid).files
    if not files:
        raise refused(404, "RC301", f"规则集 {rid} 没有可用的版本", f"{rid} has no usable version")
    if version is None or version == "":
        chosen = max(files, key=lambda f: f.effective_from)
    else:
        found = [f for f in files if f.version == version]
        if not found:
            shown = version[:40]
            raise refused(
                404,
                "RC905",
                f"规则集 {rid} 没有版本 {shown!r}",
                f"{rid} has no version {shown!r}",
                path=("version",),
            )
        chosen = found[0]
    path = Path(chosen.path)
    return chosen.version, path.name, path.read_bytes().decode("utf-8", errors="replace")


def check_draft_name(name: str) -> str:
    """``name`` when it may name a draft, else 400 RC905."""
    if not DRAFT_NAME.fullmatch(name):
        raise refused(
            400,
            "RC905",
            "草稿名只能由 1–40 个小写字母、数字、下划线或连字符组成",
            "a draft name is 1–40 characters of a-z, 0-9, _ and -",
            path=("name",),
        )
    return name


def drafts_folder(drafts: Path | None) -> Path:
    """The drafts folder, or 404 RC911 when the service keeps none."""
    if drafts is None:
        diag = Diagnostic(
            "RC911",
            Location("request"),
            "服务未配置草稿文件夹，不能保存或读取草稿",
            "the service keeps no drafts folder: it cannot save or read drafts",
            "以 rongcuo serve --drafts 文件夹 启动 start with rongcuo serve --drafts DIR",
        )
        raise Refused(404, [diag])
    return drafts


def draft_path(drafts: Path | None, rid: str, name: str) -> Path:
    """Where draft ``name`` of ``rid`` lives: always inside the drafts folder (a ruleset folder
    there that is a link elsewhere is refused, RC905)."""
    root = drafts_folder(drafts)
    check_draft_name(name)
    folder = root / rid
    path = folder / f"{name}.yaml"
    inside = folder.resolve().is_relative_to(root.resolve())
    if folder.is_symlink() or not inside or path.resolve().parent != folder.resolve():
        raise refused(
            400,
            "RC905",
            "草稿文件夹中的该规则集文件夹是指向别处的链接，不使用",
            "the ruleset's folder among the drafts is a link elsewhere: not used",
            path=("name",),
        )
    return path


def draft_names(drafts: Path | None, rid: str) -> list[str]:
    """The drafts of ``rid`` (names, sorted); none when the service keeps no drafts."""
    if drafts is None:
        return []
    folder = drafts / rid
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(
        p.stem for p in folder.glob("*.yaml") if p.is_file() and DRAFT_NAME.fullmatch(p.stem)
    )


def read_draft(drafts: Path | None, rid: str, name: str) -> str:
    """The text of draft ``name`` of ``rid`` (404 RC905 when there is none)."""
    path = draft_path(drafts, rid, name)
    if not path.is_file() or path.is_symlink():
        raise refused(404, "RC905", f"没有草稿 {name!r}", f"no draft {name!r}", path=("draft",))
    return path.read_bytes().decode("utf-8", errors="replace")


def save_draft(drafts: Path | None, rid: str, name: str, text: str, overwrite: bool) -> str:
    """Write ``text`` as draft ``name`` of ``rid`` (atomically); an existing draft only when
    ``overwrite`` (else 409 RC912). Returns the draft as shown: ``<id>/<name>.yaml``."""
    path = draft_path(drafts, rid, name)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise refused(
            409,
            "RC912",
            f"草稿 {name} 已存在：勾选「覆盖」以替换它，或换一个名字",
            f"draft {name} exists: tick 覆盖 (overwrite) to replace it, or choose another name",
            path=("name",),
        )
    try:
        write_file(path, text.encode("utf-8"))
    except InputError as exc:
        code = exc.diagnostics[0].code if exc.diagnostics else "RC308"
        raise refused(
            503, code, f"草稿 {name} 无法写入", f"draft {name} cannot be written"
        ) from None
    return f"{rid}/{name}.yaml"


# --- staging edited text --------------------------------------------------------------------


class Staged:
    """Edited text of ruleset ``rid`` laid out in a temporary folder beside the ruleset's
    other served versions (use as a context manager; the folder is removed on exit).

    ``served`` is the service's engine (its library says which version files are served);
    ``rulesets`` the configured ruleset folders, searched after the temporary one.
    """

    def __init__(self, served: Engine, rid: str, text: str, rulesets: Sequence[Path] = ()) -> None:
        self.rid = rid
        self.text = text
        self.rulesets = list(rulesets)
        self._tmp = Path(tempfile.mkdtemp(prefix="rongcuo-edit-"))
        folder = self._tmp / rid
        folder.mkdir()
        version = text_version(text)
        kept: list[str] = []
        try:
            siblings = served.library.versions(rid).files
        except RulesetNotFound:
            siblings = []
        for f in siblings:
            if f.version == version:
                continue  # the edited text replaces it
            shutil.copyfile(Path(f.path), folder / Path(f.path).name)
            kept.append(Path(f.path).name)
        name = "edited.yaml"
        while name in kept:
            name = "_" + name
        self.file = folder / name
        self.file.write_bytes(text.encode("utf-8"))

    @property
    def paths(self) -> list[Path]:
        """The ruleset folders an engine over the edited text looks in, in order."""
        return [self._tmp, *self.rulesets]

    def scrub(self, cases: Sequence[tuple[Path, str]] = ()) -> Scrub:
        """What turns this staging's paths (and ``cases``: folder, shown name) into names."""
        roots = [(self._tmp, ""), *((p, "") for p in self.rulesets), (bundled_dir(), "")]
        return Scrub(self.file, [*cases, *roots])

    def findings(self) -> list[Finding]:
        """Check and lint of the edited text, as the library would report them installed:
        check errors alone when there are some, else check warnings and lint findings."""
        with Engine(self.paths, backend="reference") as engine:
            diags = engine.check(self.rid)
            if not any(d.severity == "error" for d in diags):
                diags = sort_diagnostics([*diags, *engine.lint(self.rid)])
        scrub = self.scrub()
        seen: set[Finding] = set()
        out = []
        for d in diags:
            f = scrub.finding(d)
            if f not in seen:
                seen.add(f)
                out.append(f)
        return out

    def __enter__(self) -> Staged:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def text_version(text: str) -> str | None:
    """The ``version:`` the text declares at its top level, if it can be seen."""
    found = _VERSION.search(text)
    return found.group(1) if found else None


class Scrub:
    """Server paths → names an officer may see: ``edited`` is :data:`EDITED`, a file under
    one of ``roots`` (folder, shown prefix) its path below the folder after the prefix, a root
    that is a file its shown name."""

    def __init__(self, edited: Path | None, roots: Sequence[tuple[Path, str]]) -> None:
        self.edited = edited.resolve() if edited is not None else None
        self.roots = [(r.resolve(), prefix) for r, prefix in roots]
        pairs: list[tuple[str, str]] = []
        if edited is not None:
            pairs += [(s, EDITED) for s in _spellings(edited)]
        for root, prefix in roots:
            if root.is_file():  # a file shown by a name of its own
                pairs += [(s, prefix) for s in _spellings(root)]
                continue
            shown = f"{prefix}/" if prefix else ""
            pairs += [(s + "/", shown) for s in _spellings(root)]
        self.pairs = sorted(set(pairs), key=lambda p: -len(p[0]))  # the longest first

    def file(self, file: str) -> str:
        """``""`` for the edited file, else ``file`` without server folders."""
        p = Path(file)
        if not p.is_absolute():
            p = Path.cwd() / p
        p = p.resolve()
        if self.edited is not None and p == self.edited:
            return ""
        return self.text(file)

    def text(self, text: str) -> str:
        """``text`` with every server path in it replaced by its shown name."""
        for raw, shown in self.pairs:
            text = text.replace(raw, shown)
        return text

    def finding(self, d: Diagnostic) -> Finding:
        """``d`` as a finding of the editor."""
        file = self.file(d.location.file)
        return Finding(
            line=d.location.line,
            column=d.location.column,
            code=d.code,
            severity=d.severity,
            message_zh=self.text(d.message_zh),
            message_en=self.text(d.message_en),
            hint=self.text(d.hint),
            file=file,
            path=d.location.path_text(),
        )

    def diagnostics(self, diags: Iterable[Diagnostic]) -> list[Finding]:
        """Each of ``diags`` as a finding."""
        return [self.finding(d) for d in diags]


def _spellings(path: Path) -> list[str]:
    """The ways a path may be written in a message: as given, resolved, relative to here."""
    out = {str(path), str(path.resolve())}
    if path.resolve().is_relative_to(Path.cwd().resolve()):
        out.add(str(path.resolve().relative_to(Path.cwd().resolve())))
    return [s for s in out if s not in ("", ".")]


def too_big(text: str, limit: int, field: str = "text") -> Refused | None:
    """413 RC901 when ``text`` is past ``limit`` bytes (UTF-8), else ``None``."""
    if len(text.encode("utf-8")) <= limit:
        return None
    return refused(
        413,
        "RC901",
        f"内容超过 {limit} 字节",
        f"the text is past {limit} bytes",
        path=(field,),
    )
