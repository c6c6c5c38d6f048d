"""PDF memos: the HTML memo printed by WeasyPrint, with two guards around it.

- **Fonts.** Where no installed font has a glyph for a character, Pango draws an empty box and
  WeasyPrint only logs it: a machine without a CJK font would print a memo of boxes and exit 0.
  Before printing, :func:`missing_characters` asks fontconfig (the library Pango and WeasyPrint
  find fonts through, in this process, so ``FONTCONFIG_FILE`` and the user's font folders count)
  which of the memo's characters no installed font covers; any such character is RC411.
- **Resources.** WeasyPrint fetches what the HTML names: images, stylesheets, fonts,
  ``<a rel="attachment">`` files, over ``file:``, ``http:`` or any other scheme. A template must
  not turn a memo into a way to read ``/etc/passwd`` or to call a server, so the fetcher given to
  WeasyPrint reads only files inside the template's own folder, the template folders and the
  bundled templates (symbolic links resolved first), and ``data:`` URLs; anything else stops
  the printing with RC416 naming the template and the URL (an error, not a silent drop: a memo
  missing its seal or attachment must not go out looking complete).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from rongcuo.errors import Diagnostic, InputError, Location

_TAG = re.compile(r"<[^>]*>")
_FC_NAMES = ("fontconfig", "libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll")
_FC_RESULT_MATCH = 0


class PdfUnavailable(InputError):
    """No PDF engine: WeasyPrint (and the Pango library it uses) is not installed."""


class PdfError(InputError):
    """A PDF could not be printed as it should be: missing fonts, or a resource refused."""


class _FcFontSet(ctypes.Structure):
    _fields_ = [
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    ]


def _fontconfig() -> Any:
    """The fontconfig library, the one WeasyPrint loaded (the dynamic linker returns the same
    copy), with the signatures used here; None where it cannot be found."""
    for name in (ctypes.util.find_library("fontconfig"), *_FC_NAMES):
        if not name:
            continue
        try:
            fc = ctypes.CDLL(name)
        except OSError:
            continue
        vp = ctypes.c_void_p
        fc.FcPatternCreate.restype = vp
        fc.FcPatternDestroy.argtypes = [vp]
        fc.FcObjectSetBuild.restype = vp
        fc.FcObjectSetDestroy.argtypes = [vp]
        fc.FcFontList.restype = ctypes.POINTER(_FcFontSet)
        fc.FcFontList.argtypes = [vp, vp, vp]
        fc.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FcFontSet)]
        fc.FcPatternGetCharSet.argtypes = [vp, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(vp)]
        fc.FcCharSetCreate.restype = vp
        fc.FcCharSetDestroy.argtypes = [vp]
        fc.FcCharSetAddChar.argtypes = [vp, ctypes.c_uint32]
        fc.FcCharSetHasChar.argtypes = [vp, ctypes.c_uint32]
        fc.FcCharSetSubtract.restype = vp
        fc.FcCharSetSubtract.argtypes = [vp, vp]
        fc.FcCharSetCount.restype = ctypes.c_uint32
        fc.FcCharSetCount.argtypes = [vp]
        return fc
    return None


def missing_characters(text: str) -> list[str] | None:
    """The characters of ``text`` (whitespace aside) that no installed font can draw, in the
    order they first appear; None when fontconfig cannot be asked (then nothing is checked).

    Every font fontconfig lists counts, as Pango falls back from the font a style names to any
    font that has the glyph.
    """
    fc = _fontconfig()
    if fc is None:  # pragma: no cover - fontconfig is how WeasyPrint finds fonts on every system
        return None
    wanted = list(dict.fromkeys(c for c in text if not c.isspace() and c.isprintable()))
    need = fc.FcCharSetCreate()
    for c in wanted:
        fc.FcCharSetAddChar(need, ord(c))
    pattern = fc.FcPatternCreate()
    objects = fc.FcObjectSetBuild(b"charset", None)
    fonts = fc.FcFontList(None, pattern, objects)  # None: the current configuration
    try:
        for i in range(fonts.contents.nfont if fonts else 0):
            if not fc.FcCharSetCount(need):
                break
            charset = ctypes.c_void_p()
            got = fc.FcPatternGetCharSet(fonts.contents.fonts[i], b"charset", 0, charset)
            if got == _FC_RESULT_MATCH and charset:
                rest = fc.FcCharSetSubtract(need, charset)
                fc.FcCharSetDestroy(need)
                need = rest
        return [c for c in wanted if fc.FcCharSetHasChar(need, ord(c))]
    finally:
        if fonts:
            fc.FcFontSetDestroy(fonts)
        fc.FcObjectSetDestroy(objects)
        fc.FcPatternDestroy(pattern)
        fc.FcCharSetDestroy(need)


def html_to_pdf(html_text: str, template: Path, roots: Sequence[Path]) -> bytes:
    """Print an HTML memo made from ``template`` to PDF.

    Raises :class:`PdfUnavailable` (RC405) without WeasyPrint, :class:`PdfError` with RC411
    when no installed font covers some of the memo's characters, and RC416 when the HTML names a
    resource outside ``roots`` (the folders a template may read from) or off this machine.
    """
    try:
        import weasyprint
        from weasyprint.urls import (  # type: ignore[import-untyped]
            FatalURLFetchingError,
            URLFetcher,
        )
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            [
                Diagnostic(
                    "RC405",
                    Location(str(template)),
                    f"没有可用的 PDF 引擎（{type(exc).__name__}: {exc}）",
                    f"no PDF engine is available ({type(exc).__name__}: {exc})",
                    "安装 install: pip install 'rongcuo[pdf]'；Debian/Ubuntu: apt-get install "
                    "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk；或改用 --format docx/html",
                )
            ]
        ) from None
    _check_fonts(html_text, template)
    allowed = [r.resolve() for r in (template.parent, *roots)]

    class TemplateFetcher(URLFetcher):  # type: ignore[misc]
        """Fetches ``data:`` URLs and files under ``allowed``; refuses everything else."""

        refused = ""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not _allowed(url, allowed):
                self.refused = url
                raise FatalURLFetchingError(url)
            return super().fetch(url, headers)

    fetcher = TemplateFetcher(allowed_protocols=("file", "data"))
    try:
        doc = weasyprint.HTML(
            string=html_text, base_url=template.parent.resolve().as_uri() + "/", url_fetcher=fetcher
        )
        return bytes(doc.write_pdf())
    except FatalURLFetchingError:
        if not fetcher.refused:
            raise
    folders = "、".join(str(r) for r in allowed)
    raise PdfError(
        [
            Diagnostic(
                "RC416",
                Location(str(template)),
                f"模板要读取模板文件夹以外的资源：{fetcher.refused}",
                f"the template reads a resource outside its template folders: {fetcher.refused}",
                "图片、样式表、附件只能放在模板文件夹中，用相对路径引用（不能用 ../、绝对路径或"
                f"网址）；可读的文件夹 folders it may read: {folders}",
            )
        ]
    )


def _allowed(url: str, roots: Sequence[Path]) -> bool:
    """Whether ``url`` is a ``data:`` URL or names a file inside one of ``roots``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    try:
        path = Path(url2pathname(unquote(parts.path))).resolve()
    except (OSError, ValueError):
        return False
    return any(path.is_relative_to(root) for root in roots)


def _check_fonts(html_text: str, template: Path) -> None:
    """RC411 when some character of the memo (its text and its stylesheet's generated text,
    such as the page numbers' dashes) has no font to be drawn with."""
    missing = missing_characters(html.unescape(_TAG.sub(" ", html_text)))
    if not missing:
        return
    shown = "".join(missing[:12]) + ("…" if len(missing) > 12 else "")
    codes = " ".join(f"U+{ord(c):04X}" for c in missing[:4]) + (" …" if len(missing) > 4 else "")
    cjk = any("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in missing)
    hint = (
        "没有中文字体时打印出来是方框。安装 install a CJK font: apt-get install fonts-noto-cjk "
        "（Debian/Ubuntu），dnf install google-noto-serif-cjk-fonts google-noto-sans-cjk-fonts "
        "（Fedora）；或改用 --format docx/html"
        if cjk
        else "安装含有这些字符的字体 install a font that has them；或改用 --format docx/html"
    )
    raise PdfError(
        [
            Diagnostic(
                "RC411",
                Location(str(template)),
                f"本机没有能显示 {len(missing)} 个字符的字体：{shown}，不能生成 PDF",
                f"no installed font can draw {len(missing)} of the memo's characters: "
                f"{shown} ({codes}); the PDF would show empty boxes",
                hint,
            )
        ]
    )
