"""Parse JSON (RFC 8259) into plain data plus the position of every value and key.

``json.loads`` gives the data but no positions, and the YAML loader gives positions but reads
JSON as YAML (``1e5`` is text there, a trailing comma passes). This small recursive-descent
parser keeps JSON's own rules: strings are read by :func:`json.decoder.scanstring` and numbers
matched by :data:`json.scanner.NUMBER_RE`, as ``json.loads`` reads them; ``NaN`` and
``Infinity``, which ``json.loads`` also accepts, are not JSON and are syntax errors here. A key
repeated in one object is RC002, like YAML's; a syntax error is RC001 at its line and column.
Nesting depth and the number of values are capped by the caller's limits (RC010, RC009).
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from typing import TYPE_CHECKING, Any

from rongcuo.errors import Diagnostic, DocPath, Location

if TYPE_CHECKING:
    from rongcuo.ruleset.document import Positions

# The string reader json.loads uses (its C version when built); typeshed does not declare it.
_scanstring: Any = getattr(json.decoder, "scanstring")  # noqa: B009
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = json.scanner.NUMBER_RE
_LITERALS = (("true", True), ("false", False), ("null", None))
_SYNTAX_HINT = (
    "检查逗号、引号和括号：最后一项后面不能有逗号，文字用双引号 "
    "check commas, quotes and brackets: no comma after the last item, text in double quotes"
)


class _Stop(Exception):
    """A problem that ends the parse: the diagnostic to report."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _Parser:
    def __init__(
        self, text: str, pos: Positions, diags: list[Diagnostic], max_depth: int, max_nodes: int
    ) -> None:
        self.text = text
        self.pos = pos
        self.diags = diags
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def at(self, index: int) -> tuple[int, int]:
        """1-based line and column of the character at ``index``."""
        line = bisect.bisect_left(self.newlines, index)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, index - start + 1

    def stop(self, index: int, zh: str, en: str, path: DocPath = ()) -> _Stop:
        line, col = self.at(index)
        return _Stop(
            Diagnostic(
                "RC001",
                Location(self.pos.file, line, col, path),
                f"JSON 语法错误：{zh}",
                f"JSON syntax error: {en}",
                _SYNTAX_HINT,
            )
        )

    def space(self, i: int) -> int:
        match = _SPACE.match(self.text, i)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def count(self, index: int, path: DocPath) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            line, col = self.at(index)
            raise _Stop(too_many_values(Location(self.pos.file, line, col, path), self.max_nodes))

    def value(self, i: int, path: DocPath, depth: int) -> tuple[Any, int]:
        """The value starting at ``i`` (no space before it) and the index just after it."""
        text = self.text
        if i >= len(text):
            raise self.stop(
                i, "文件在此处意外结束，缺少值", "unexpected end of file, a value is missing", path
            )
        self.pos.values[path] = self.at(i)
        self.count(i, path)
        if depth >= self.max_depth:  # this value is level depth + 1, the root level 1
            line, col = self.at(i)
            raise _Stop(too_deep(Location(self.pos.file, line, col, path), self.max_depth))
        char = text[i]
        if char in "{[":
            if char == "{":
                return self.object(i + 1, path, depth + 1)
            return self.array(i + 1, path, depth + 1)
        if char == '"':
            return self.string(i, path)
        for word, literal in _LITERALS:
            if text.startswith(word, i):
                return literal, i + len(word)
        match = _NUMBER.match(text, i)
        if match is not None:
            whole, frac, exp = match.groups()
            try:
                if frac or exp:
                    return float(whole + (frac or "") + (exp or "")), match.end()
                return int(whole), match.end()
            except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits)
                raise self.stop(
                    i, "数字的位数太多", "the number has too many digits", path
                ) from None
        for word in ("NaN", "Infinity", "-Infinity"):
            if text.startswith(word, i):
                raise self.stop(
                    i,
                    f"{word} 不是 JSON 的数字；不明的事实写 null",
                    f"{word} is not a JSON number; write null for a fact not known",
                    path,
                )
        raise self.stop(
            i, f"此处不能是 {char!r}，应为一个值", f"expected a value, found {char!r}", path
        )

    def string(self, i: int, path: DocPath) -> tuple[str, int]:
        try:
            text, end = _scanstring(self.text, i + 1, True)
            return str(text), int(end)
        except json.JSONDecodeError as exc:
            raise self.stop(
                exc.pos, f"文字有误：{exc.msg}", f"bad string: {exc.msg}", path
            ) from None

    def object(self, i: int, path: DocPath, depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        out: dict[str, Any] = {}
        i = self.space(i)
        if text.startswith("}", i):
            return out, i + 1
        while True:
            if not text.startswith('"', i):
                raise self.stop(
                    i,
                    "此处应为用双引号括起的键" + ("（最后一项后面不能有逗号）" if out else ""),
                    "expected a key in double quotes"
                    + (" (no comma after the last item)" if out else ""),
                    path,
                )
            key_at = i
            key, i = self.string(i, path)
            child = (*path, key)
            repeated = key in out
            if repeated:
                line, col = self.at(key_at)
                first = self.pos.keys.get(child, (0, 0))[0]
                self.diags.append(
                    Diagnostic(
                        "RC002",
                        Location(self.pos.file, line, col, child),
                        f"键 {key!r} 重复出现（首次在第 {first} 行）",
                        f"duplicate key {key!r} (first at line {first})",
                        "删除或合并重复的键 remove or merge the repeated key",
                    )
                )
            else:
                self.pos.keys[child] = self.at(key_at)
            self.count(key_at, child)
            i = self.space(i)
            if not text.startswith(":", i):
                raise self.stop(i, "键后面应为冒号 ':'", "expected ':' after the key", child)
            i = self.space(i + 1)
            if repeated:  # parse it for its syntax; the first value and its positions stay
                kept, self.pos = self.pos, type(self.pos)(self.pos.file)
                try:
                    _, i = self.value(i, child, depth)
                finally:
                    self.pos = kept
            else:
                out[key], i = self.value(i, child, depth)
            i = self.space(i)
            if text.startswith(",", i):
                i = self.space(i + 1)
                continue
            if text.startswith("}", i):
                return out, i + 1
            raise self.stop(i, "此处应为 ',' 或 '}'", "expected ',' or '}'", path)

    def array(self, i: int, path: DocPath, depth: int) -> tuple[list[Any], int]:
        text = self.text
        out: list[Any] = []
        i = self.space(i)
        if text.startswith("]", i):
            return out, i + 1
        while True:
            if text.startswith("]", i):
                raise self.stop(i, "最后一项后面不能有逗号", "no comma after the last item", path)
            item, i = self.value(i, (*path, len(out)), depth)
            out.append(item)
            i = self.space(i)
            if text.startswith(",", i):
                i = self.space(i + 1)
                continue
            if text.startswith("]", i):
                return out, i + 1
            raise self.stop(i, "此处应为 ',' 或 ']'", "expected ',' or ']'", path)


def parse_json(
    text: str, pos: Positions, *, max_depth: int, max_nodes: int
) -> tuple[Any, list[Diagnostic]]:
    """Parse ``text`` as one JSON value, recording positions in ``pos``.

    Returns the data and its diagnostics (RC002 for repeated keys); on a syntax error or a cap
    the data is ``None`` and the one diagnostic says where.
    """
    diags: list[Diagnostic] = []
    parser = _Parser(text, pos, diags, max_depth, max_nodes)
    start = 1 if text.startswith("\ufeff") else 0  # a byte-order mark some editors write
    try:
        i = parser.space(start)
        if i >= len(text):
            raise parser.stop(
                i, "文件是空的，应为一个 JSON 对象", "the file is empty; expected a JSON object"
            )
        data, i = parser.value(i, (), 0)
        i = parser.space(i)
        if i < len(text):
            raise parser.stop(i, "JSON 值之后还有多余的内容", "extra content after the JSON value")
    except _Stop as stop:
        return None, [stop.diagnostic]
    return data, diags


def too_many_values(where: Location, limit: int) -> Diagnostic:
    """RC009: the document holds (or its aliases expand to) more than ``limit`` values."""
    return Diagnostic(
        "RC009",
        where,
        f"文件中的值（含别名 * 展开后的）超过 {limit:,} 个，不予读取",
        f"the file holds more than {limit:,} values (counting what aliases * expand to); "
        "it is not read",
        "规则集和案件远小于此；若用了锚点 & 与别名 *，请直接写出内容 "
        "real rulesets and cases are far smaller; write the content out instead of anchors & "
        "and aliases *",
    )


def too_deep(where: Location, limit: int) -> Diagnostic:
    """RC010: the document nests mappings and lists more than ``limit`` levels deep."""
    return Diagnostic(
        "RC010",
        where,
        f"映射和列表嵌套超过 {limit} 层，不予读取",
        f"mappings and lists nest more than {limit} levels deep; the file is not read",
        "减少嵌套，把深层的条件拆成中间规则 nest less; split deep conditions into "
        "intermediate rules",
    )
