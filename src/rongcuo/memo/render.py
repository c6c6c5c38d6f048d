"""Memos rendered from templates: Markdown and HTML (Jinja2), DOCX (a Word template), PDF (HTML).

Templates are found by name, first in the folders the caller gives, then among the bundled ones,
so a copied template overrides the bundled one of the same name and may still import the
bundled parts. Every template runs in Jinja's sandbox with ``StrictUndefined``; HTML output is
autoescaped. A template error becomes a located diagnostic (template file, line), never a
traceback, and no output file is touched unless rendering succeeded.

Names: ``<outcome>.j2`` renders Markdown or HTML (the template imports the parts for the format
it is given); ``<outcome>.docx`` is a Word template with Jinja tags (docxtpl); PDF is the HTML
memo printed by WeasyPrint (:mod:`.pdf`: fonts checked, resources confined).

Rendering has budgets (:mod:`.sandbox`): time, output size, call depth, memory. And it
reads nothing but templates: an ``include`` or ``import`` names a template in the template
folders or the bundled ones, never an absolute path or one with ``..``, and a file reached
through a symbolic link must lie inside those folders too (RC416).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import types
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.exceptions import SecurityError

from rongcuo.errors import Diagnostic, InputError, Location, did_you_mean
from rongcuo.memo.pdf import PdfError, PdfUnavailable, html_to_pdf
from rongcuo.memo.sandbox import BudgetError, MemoSandbox, RenderBudget

__all__ = [
    "BUNDLED",
    "FORMATS",
    "Format",
    "PdfError",
    "PdfUnavailable",
    "RenderBudget",
    "Renderer",
    "TemplateError",
    "TemplateInfo",
    "bundled_templates",
    "template_suffix",
]

Format = Literal["md", "html", "docx", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "html", "docx", "pdf")
BUNDLED = Path(__file__).parent / "templates"
_VERSION = re.compile(r"\{#-?\s*version:\s*(\S+)")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")


class TemplateError(InputError):
    """A memo template could not be found, parsed or rendered; carries located diagnostics."""


@dataclass(frozen=True)
class TemplateInfo:
    """A template as the memo's footer names it."""

    name: str  # the file name; "rongcuo/<name>" for a bundled template
    path: Path
    version: str
    sha256: str

    def footer(self) -> tuple[str, str, str]:
        return self.name, self.version, self.sha256[:16]


def template_suffix(fmt: Format) -> str:
    return ".docx" if fmt == "docx" else ".j2"


def _error(code: str, where: Location, zh: str, en: str, hint: str = "") -> TemplateError:
    return TemplateError([Diagnostic(code, where, zh, en, hint)])


class _TemplateLoader(jinja2.FileSystemLoader):
    """Finds included and imported templates by name in the template folders, and refuses a
    name that is a path (absolute, with ``..`` or a drive) or a file whose real location, links
    resolved, is outside every folder: rendering reads templates and nothing else."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        parts = re.split(r"[/\\]", template)
        if template.startswith(("/", "\\")) or ".." in parts or re.match(r"[A-Za-z]:", template):
            raise _outside(template)
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(d).resolve()) for d in self.searchpath):
            raise _outside(template)
        return source, filename, uptodate


def _outside(name: str) -> BudgetError:
    return BudgetError(
        "RC416",
        f"模板引用的 {name} 不在模板文件夹中",
        f"the template includes {name}, which is outside the template folders",
        "include/import 只能写模板文件夹中的模板名，不能写绝对路径或 ../ "
        "name a template in the template folders, not a path",
    )


class Renderer:
    """Finds and renders memo templates. Holds no state beyond its settings; reuse it freely.

    ``template_dirs`` are searched before the bundled templates. ``budget`` bounds what one
    render may cost; by default :meth:`RenderBudget.from_environ` (the defaults, changed by the
    ``RONGCUO_RENDER_*`` environment variables).
    """

    def __init__(
        self, template_dirs: Sequence[Path | str] = (), budget: RenderBudget | None = None
    ) -> None:
        if budget is None:
            try:
                budget = RenderBudget.from_environ()
            except ValueError as exc:
                var, text = exc.args
                raise _error(
                    "RC417",
                    Location(var),
                    f"环境变量 {var} 应为正数，现为 {text!r}",
                    f"the environment variable {var} must be a positive number, not {text!r}",
                    "例如 e.g. RONGCUO_RENDER_SECONDS=30；不设则用默认值 unset it for the default",
                ) from None
        self.budget = budget
        self.dirs = [Path(d) for d in template_dirs]
        for d in self.dirs:
            if not d.is_dir():
                raise _error(
                    "RC404",
                    Location(str(d)),
                    f"模板文件夹 {d} 不存在",
                    f"template folder {d} does not exist",
                    "检查路径 check the path",
                )
        search = [str(d) for d in (*self.dirs, BUNDLED)]
        common: dict[str, Any] = {
            "loader": _TemplateLoader(search),
            "undefined": jinja2.StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": True,
        }
        self._text = {
            "md": MemoSandbox(budget, autoescape=False, **common),
            "html": MemoSandbox(budget, autoescape=True, **common),
        }
        # compiled templates by (format, path, content hash): an edited file is compiled anew
        self._compiled: dict[tuple[str, str, str], jinja2.Template] = {}
        self._docx = MemoSandbox(
            budget,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # --- finding templates ------------------------------------------------------------

    def find(self, kind: str, fmt: Format, template: Path | str | None = None) -> TemplateInfo:
        """The template for a memo of outcome ``kind`` in ``fmt`` (or the file ``template``)."""
        suffix = template_suffix(fmt)
        if template is not None:
            path = Path(template)
            if not path.is_file():
                raise _error(
                    "RC404",
                    Location(str(path)),
                    f"模板文件 {path} 不存在",
                    f"template file {path} does not exist",
                    "用 `rongcuo templates` 查看内置模板 list the bundled ones with `rongcuo templates`",
                )
            if not path.name.endswith(suffix):
                raise _error(
                    "RC404",
                    Location(str(path)),
                    f"{fmt} 格式需要 *{suffix} 模板，给出的是 {path.name}",
                    f"format {fmt} needs a *{suffix} template, got {path.name}",
                    "Markdown/HTML/PDF 用 .j2 模板，DOCX 用 .docx 模板 "
                    ".j2 templates for md/html/pdf, .docx templates for docx",
                )
            return self._info(path, path.name)
        name = f"{kind}{suffix}"
        for d in self.dirs:
            if (d / name).is_file():
                return self._info(d / name, name)
        if (BUNDLED / name).is_file():
            return self._info(BUNDLED / name, f"rongcuo/{name}")
        known = bundled_templates()
        raise _error(
            "RC404",
            Location(name),
            f"找不到模板 {name}",
            f"no template named {name}",
            did_you_mean(name, known) or f"内置模板 bundled: {', '.join(known)}",
        )

    @staticmethod
    def _info(path: Path, name: str) -> TemplateInfo:
        data = path.read_bytes()
        version = "未标注"
        if path.suffix == ".docx":
            found = _docx_version(data)
            version = found or version
        elif m := _VERSION.search(data[:400].decode("utf-8", "replace")):
            version = m.group(1)
        return TemplateInfo(name, path, version, hashlib.sha256(data).hexdigest())

    # --- rendering --------------------------------------------------------------------

    def render(
        self, info: TemplateInfo, fmt: Format, context: dict[str, Any], day: dt.date
    ) -> bytes:
        """Render ``context`` with the template ``info`` into the bytes of a ``fmt`` file."""
        if fmt == "docx":
            return self._render_docx(info, context, day)
        html = fmt in ("html", "pdf")
        text = self._render_text(info, "html" if html else "md", context)
        if fmt == "pdf":
            return html_to_pdf(text, info.path, [*self.dirs, BUNDLED])
        return text.encode()

    def _render_text(self, info: TemplateInfo, fmt: str, context: dict[str, Any]) -> str:
        env = self._text[fmt]
        try:
            source = info.path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise _error(
                "RC401",
                Location(str(info.path)),
                "模板不是 UTF-8 编码",
                "the template is not UTF-8",
                "以 UTF-8 保存 save it as UTF-8",
            ) from None
        try:
            key = (fmt, str(info.path), info.sha256)
            tpl = self._compiled.get(key)
            if tpl is None:
                code = env.compile(source, info.name, str(info.path))
                tpl = env.template_class.from_code(env, code, env.make_globals(None), None)
                self._compiled[key] = tpl
            with env.budgeted():
                text = tpl.render(**context, format=fmt)
        except Exception as exc:  # every failure inside a template is the template's (see below)
            raise _template_error(exc, info) from None
        # Macros leave runs of blank lines; one blank line separates blocks in both formats.
        return _BLANK_LINES.sub("\n\n", text).lstrip("\n")

    def _render_docx(self, info: TemplateInfo, context: dict[str, Any], day: dt.date) -> bytes:
        from docxtpl import DocxTemplate  # imported here: python-docx is slow to import

        doc = DocxTemplate(str(info.path))
        try:
            with self._docx.budgeted():
                doc.render(context, jinja_env=self._docx)
        except Exception as exc:
            if isinstance(exc, jinja2.TemplateError) or _template_frame(exc)[0]:
                raise _template_error(exc, info, near=_docx_near(doc, exc)) from None
            # Not from a template line: python-docx or lxml could not read the file (not a zip,
            # no document part, XML that does not parse …).
            raise _error(
                "RC401",
                Location(str(info.path)),
                f"不是有效的 Word（.docx）文件（{type(exc).__name__}: {exc}）",
                f"not a valid Word (.docx) file ({type(exc).__name__}: {exc})",
                "用 Word 或 LibreOffice 另存为 .docx save it as .docx",
            ) from None
        props = doc.docx.core_properties
        stamp = dt.datetime(day.year, day.month, day.day)
        props.created = props.modified = props.last_printed = stamp
        props.revision = 1
        props.last_modified_by = "rongcuo"
        buf = io.BytesIO()
        doc.save(buf)
        data = buf.getvalue()
        if len(data) > self.budget.chars:
            raise _error(
                "RC414",
                Location(str(info.path)),
                f"生成的 Word 文件超出限额（{len(data):,} 字节，上限 {self.budget.chars:,}）",
                f"the Word file exceeds its size budget ({len(data):,} bytes, "
                f"limit {self.budget.chars:,})",
                "确有需要时设置环境变量 RONGCUO_RENDER_CHARS raise it if it really is needed",
            )
        return _normalise_zip(data)


def _template_error(exc: Exception, info: TemplateInfo, near: str = "") -> TemplateError:
    """Map an error raised while a template ran to a diagnostic at the template line.

    The line is the syntax error's, or else that of the innermost template frame of the
    traceback (Jinja compiles each template line to code carrying the template's file name),
    which may be in an imported part rather than the template itself.

    Any exception counts, not only Jinja's: the data a template receives is plain JSON made
    before it runs, so ``{{ 1/0 }}``, ``{{ "a" + 1 }}`` or a recursion that outruns Python's
    stack is the template's doing and is reported at its line (RC412, RC415), never as an
    internal error.
    """
    file, line = _template_frame(exc)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        file, line = exc.filename or file, exc.lineno
    if info.path.suffix == ".docx" or not file or file == "<template>":
        file = str(info.path)
    where = Location(file, line)
    hint_near = f"附近内容 near: {near}" if near else ""
    if isinstance(exc, BudgetError):
        return _error(exc.code, where, exc.zh, exc.en, hint_near or exc.hint)
    if isinstance(exc, RecursionError):
        return _error(
            "RC415",
            where,
            "模板调用嵌套过深：宏可能在调用自身",
            "calls nest too deep: a macro may be calling itself",
            hint_near or "宏的递归必须有终止条件 a recursive macro needs a condition that ends it",
        )
    if isinstance(exc, MemoryError):
        return _error(
            "RC414",
            where,
            "模板渲染耗尽了内存",
            "the template ran out of memory",
            hint_near or "检查循环和重复 check loops and repetition",
        )
    if not isinstance(exc, jinja2.TemplateError):
        text = f"{type(exc).__name__}: {exc}"
        return _error(
            "RC412",
            where,
            f"模板运行出错：{text}",
            f"the template failed while running: {text}",
            hint_near
            or "检查该行的运算（除以零、文字与数字相加等） check the expression on that line",
        )
    message = exc.message or type(exc).__name__
    if isinstance(exc, SecurityError):
        return _error(
            "RC403",
            where,
            f"模板试图做沙箱不允许的操作：{message}",
            f"the template tried something the sandbox forbids: {message}",
            hint_near or "模板只能读取 memo、decision、case 中的数据 templates may only read data",
        )
    if isinstance(exc, jinja2.UndefinedError):
        return _error(
            "RC402",
            where,
            f"模板使用了不存在的变量：{message}",
            f"the template uses an undefined variable: {message}",
            hint_near
            or "可用的字段见 `rongcuo schema memo` see `rongcuo schema memo` for the fields",
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return _error(
            "RC404",
            where,
            f"模板引用的 {exc.name} 不存在",
            f"the template includes {exc.name}, which does not exist",
            did_you_mean(str(exc.name), bundled_templates()),
        )
    return _error(
        "RC401",
        where,
        f"模板语法错误：{message}",
        f"template syntax error: {message}",
        hint_near or "检查 {{ }}、{% %} 是否成对，块是否以 end… 结束 check tags are closed",
    )


def _template_frame(exc: BaseException) -> tuple[str, int]:
    """(file, line) of the innermost template frame in ``exc``'s traceback."""
    found = ("", 0)
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2") or name == "<template>":
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _docx_near(doc: Any, exc: Exception) -> str:
    """The text of the Word paragraphs around a failing tag, to find it in the document.

    docxtpl renders the document XML with one paragraph a line; the error's line is there.
    """
    line = getattr(exc, "lineno", None) or _template_frame(exc)[1]
    try:
        xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", doc.patch_xml(doc.get_xml()))
    except Exception:  # the near text is a courtesy; never mask the template error
        return ""
    lines = xml.splitlines()[max(line - 2, 0) : line + 1]
    return " / ".join(t for t in (re.sub(r"<[^>]+>", "", x).strip() for x in lines) if t)


def _docx_version(data: bytes) -> str:
    """``cp:version`` from a Word file's core properties (File ▸ Properties), if set."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return ""
    m = re.search(r"<cp:version>([^<]*)</cp:version>", core)
    return m.group(1).strip() if m else ""


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, _ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def bundled_templates() -> list[str]:
    """Names of the bundled memo templates (parts, whose names start with ``_``, excluded)."""
    return sorted(
        p.name
        for p in BUNDLED.iterdir()
        if p.suffix in (".j2", ".docx") and not p.name.startswith("_")
    )
