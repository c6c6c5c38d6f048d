"""Memos rendered from templates: Markdown and HTML (Jinja2), DOCX (a Word template), PDF (HTML).

Templates are found by name, first in the folders the caller gives, then among the bundled ones,
so a copied template overrides the bundled one of the same name and may still import the
bundled parts. Every template runs in Jinja's sandbox with ``StrictUndefined``; HTML output is
autoescaped. A template error becomes a located diagnostic (template file, line), never a
traceback, and no output file is touched unless rendering succeeded.

Names: ``<outcome>.j2`` renders Markdown or HTML (the template imports the parts for the format
it is given); ``<outcome>.docx`` is a Word template with Jinja tags (docxtpl); PDF is the HTML
memo printed by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import types
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from ._errors import Diagnostic, InputError, Location, did_you_mean

Format = Literal["md", "html", "docx", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "html", "docx", "pdf")
BUNDLED = Path(__file__).parent / "templates"
_VERSION = re.compile(r"\{#-?\s*version:\s*(\S+)")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")


class TemplateError(InputError):
    """A memo template could not be found, parsed or rendered; carries located diagnostics."""


class PdfUnavailable(InputError):
    """No PDF engine: WeasyPrint (and the Pango library it uses) is not installed."""


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


class Renderer:
    """Finds and renders memo templates. Holds no state beyond its settings; reuse it freely.

    ``template_dirs`` are searched before the bundled templates.
    """

    def __init__(self, template_dirs: Sequence[Path | str] = ()) -> None:
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
            "loader": jinja2.FileSystemLoader(search),
            "undefined": jinja2.StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": True,
        }
        self._text = {
            "md": SandboxedEnvironment(autoescape=False, **common),
            "html": SandboxedEnvironment(autoescape=True, **common),
        }
        # compiled templates by (format, path, content hash): an edited file is compiled anew
        self._compiled: dict[tuple[str, str, str], jinja2.Template] = {}
        self._docx = SandboxedEnvironment(
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
            return html_to_pdf(text, info)
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
            text = tpl.render(**context, format=fmt)
        except jinja2.TemplateError as exc:
            raise _template_error(exc, info) from None
        # Macros leave runs of blank lines; one blank line separates blocks in both formats.
        return _BLANK_LINES.sub("\n\n", text).lstrip("\n")

    def _render_docx(self, info: TemplateInfo, context: dict[str, Any], day: dt.date) -> bytes:
        from docxtpl import DocxTemplate  # imported here: python-docx is slow to import

        try:
            doc = DocxTemplate(str(info.path))
            doc.render(context, jinja_env=self._docx)
        except jinja2.TemplateError as exc:
            raise _template_error(exc, info, near=_docx_near(doc, exc)) from None
        except zipfile.BadZipFile:
            raise _error(
                "RC401",
                Location(str(info.path)),
                "不是有效的 Word（.docx）文件",
                "not a valid Word (.docx) file",
                "用 Word 或 LibreOffice 另存为 .docx save it as .docx",
            ) from None
        props = doc.docx.core_properties
        stamp = dt.datetime(day.year, day.month, day.day)
        props.created = props.modified = props.last_printed = stamp
        props.revision = 1
        props.last_modified_by = "rongcuo"
        buf = io.BytesIO()
        doc.save(buf)
        return _normalise_zip(buf.getvalue())


def _template_error(exc: jinja2.TemplateError, info: TemplateInfo, near: str = "") -> TemplateError:
    """Map a Jinja error to a diagnostic at the template line that raised it.

    The line is the syntax error's, or else that of the innermost template frame of the
    traceback (Jinja compiles each template line to code carrying the template's file name),
    which may be in an imported part rather than the template itself.
    """
    file, line = _template_frame(exc)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        file, line = exc.filename or file, exc.lineno
    if info.path.suffix == ".docx" or not file or file == "<template>":
        file = str(info.path)
    hint_near = f"附近内容 near: {near}" if near else ""
    message = exc.message or type(exc).__name__
    if isinstance(exc, SecurityError):
        return _error(
            "RC403",
            Location(file, line),
            f"模板试图做沙箱不允许的操作：{message}",
            f"the template tried something the sandbox forbids: {message}",
            hint_near or "模板只能读取 memo、decision、case 中的数据 templates may only read data",
        )
    if isinstance(exc, jinja2.UndefinedError):
        return _error(
            "RC402",
            Location(file, line),
            f"模板使用了不存在的变量：{message}",
            f"the template uses an undefined variable: {message}",
            hint_near
            or "可用的字段见 `rongcuo schema memo` see `rongcuo schema memo` for the fields",
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return _error(
            "RC404",
            Location(file, line),
            f"模板引用的 {exc.name} 不存在",
            f"the template includes {exc.name}, which does not exist",
            did_you_mean(str(exc.name), bundled_templates()),
        )
    return _error(
        "RC401",
        Location(file, line),
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


def _docx_near(doc: Any, exc: jinja2.TemplateError) -> str:
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


def html_to_pdf(html: str, info: TemplateInfo) -> bytes:
    """Print an HTML memo to PDF with WeasyPrint; :class:`PdfUnavailable` when it is missing."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            [
                Diagnostic(
                    "RC405",
                    Location(str(info.path)),
                    f"没有可用的 PDF 引擎（{type(exc).__name__}: {exc}）",
                    f"no PDF engine is available ({type(exc).__name__}: {exc})",
                    "安装 install: pip install 'rongcuo[pdf]'；Debian/Ubuntu: apt-get install "
                    "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk；或改用 --format docx/html",
                )
            ]
        ) from None
    return bytes(weasyprint.HTML(string=html, base_url=str(info.path.parent)).write_pdf())


def bundled_templates() -> list[str]:
    """Names of the bundled memo templates (parts, whose names start with ``_``, excluded)."""
    return sorted(
        p.name
        for p in BUNDLED.iterdir()
        if p.suffix in (".j2", ".docx") and not p.name.startswith("_")
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename:
    a reader sees the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes the file private; keep the usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
