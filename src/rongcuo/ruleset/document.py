"""Load YAML (or JSON) into plain data plus a map from document path to source position.

The loader is a private ``SafeLoader`` instance per call (nothing is registered globally), builds
plain dicts and lists, and rejects duplicate keys instead of letting the last one win silently.
A ``.json`` file is parsed as JSON (:mod:`.jsondoc`), with positions too. Only regular files are
read, and size, values (aliases expanded) and nesting are capped: a hostile file is a located
error, never memory or time without bound.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rongcuo.errors import Diagnostic, DocPath, Location
from rongcuo.ruleset.jsondoc import parse_json, too_deep, too_many_values

try:  # libyaml is faster when present; behaviour is the same.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


@dataclass
class Positions:
    """Positions of values (and of mapping keys) by document path; 1-based line and column."""

    file: str
    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: DocPath, *, key: bool = False) -> Location:
        """The location of ``path``, falling back to the nearest enclosing node that is known."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            if probe in table:
                line, col = table[probe]
                return Location(self.file, line, col, tuple(path))
            if probe in self.values:
                line, col = self.values[probe]
                return Location(self.file, line, col, tuple(path))
            if not probe:
                return Location(self.file, 1, 1, tuple(path))
            probe = probe[:-1]


@dataclass
class Loaded:
    """A loaded document: its data, positions, and the raw bytes it came from."""

    data: Any
    positions: Positions
    raw: bytes


#: Caps on what one file may hold: rulesets, cases and calendar supplements are all read here,
#: and each cap is a located error (RC008, RC009, RC010, RC011) instead of memory or time without
#: bound. The figures are far above any real file: the largest bundled ruleset, national 2019,
#: is 34,432 bytes, 2,291 values (keys counted) and 13 levels deep (wanzhou: 8,308 bytes, 453
#: values, 7 levels); bench/check_scaling.py's 16,000 rules are 5.1 MB and 638,000 values.
MAX_BYTES = 8 * 1024 * 1024  # 240 times national; 5.1 MB holds 16,000 generated rules
#: Values built, counting keys and each time an alias (*a) repeats its anchor (&a): a 2 KB
#: "billion laughs" file would otherwise expand to 10**9 values. About 440 times national, and
#: the bound on memory (a million values take about 1 GB while loading).
MAX_NODES = 1_000_000
#: Levels of mappings and lists; national's deepest is 13. A condition nests two levels for each
#: all / any (RC132 caps conditions at fewer levels, with a message about conditions); the cap
#: also keeps every recursive reader of the data far from Python's recursion limit.
MAX_DEPTH = 100


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _cannot_read(name: str, why: str) -> Diagnostic:
    return Diagnostic(
        "RC000",
        Location(name),
        f"无法读取文件：{why}",
        f"cannot read file: {why}",
        "检查路径和权限 check the path and permissions",
    )


def file_kind(mode: int) -> tuple[str, str]:
    """What a file that is not a regular file is, in Chinese and English (from ``st_mode``)."""
    if stat.S_ISDIR(mode):
        return "文件夹", "a directory"
    if stat.S_ISFIFO(mode):
        return "管道（FIFO）", "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备", "a device"
    if stat.S_ISSOCK(mode):
        return "套接字", "a socket"
    return "特殊文件", "a special file"


def _not_regular(name: str, mode: int) -> Diagnostic:
    zh, en = file_kind(mode)
    return Diagnostic(
        "RC007",
        Location(name),
        f"不是普通文件，而是{zh}，不予读取",
        f"not a regular file but {en}; it is not read",
        "只读取普通文件（可以是指向普通文件的链接）；改名或移走它 "
        "only regular files are read (a link to one is fine); rename or move it",
    )


def _too_large(name: str, size: int | None) -> Diagnostic:
    found_zh = f"（{size:,} 字节）" if size is not None else ""
    found_en = f" ({size:,} bytes)" if size is not None else ""
    return Diagnostic(
        "RC008",
        Location(name),
        f"文件超过 {MAX_BYTES:,} 字节{found_zh}，不予读取",
        f"the file is larger than {MAX_BYTES:,} bytes{found_en}; it is not read",
        "规则集、案件和补充日历远小于此；检查是否选错了文件 "
        "rulesets, cases and calendar supplements are far smaller; check it is the right file",
    )


def read_regular(path: Path, name: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of ``path`` if it is a regular file (or a link to one) of at most
    :data:`MAX_BYTES`; otherwise ``None`` and the located reason.

    A FIFO, device or directory is refused without being opened for reading in a way that could
    block: ``stat`` first, then ``open`` with ``O_NONBLOCK`` (a FIFO put in its place in between
    does not wait for a writer), then ``fstat`` on what was opened. Reading stops one byte past
    the cap, so a file growing without end (or a link to one) cannot exhaust memory.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return None, [_not_regular(name, info.st_mode)]
        if info.st_size > MAX_BYTES:
            return None, [_too_large(name, info.st_size)]
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None, [_not_regular(name, info.st_mode)]
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, [_cannot_read(name, exc.strerror or str(exc))]
    if len(raw) > MAX_BYTES:
        return None, [_too_large(name, None)]
    return raw, []


def load_document(path: Path, display: str | None = None) -> tuple[Loaded | None, list[Diagnostic]]:
    """Read ``path`` and return the loaded document or the diagnostics explaining why not.

    A ``.json`` file is read as JSON, anything else as YAML (see :func:`load_text`).
    """
    name = display or str(path)
    raw, diags = read_regular(path, name)
    if raw is None:
        return None, diags
    return load_text(raw, name, json=path.suffix.lower() == ".json")


def load_text(
    raw: bytes, name: str, *, json: bool | None = None
) -> tuple[Loaded | None, list[Diagnostic]]:
    """Parse bytes already read; see :func:`load_document`.

    ``json``: parse as JSON (``True``) or YAML (``False``); by default, JSON when ``name`` ends
    in ``.json``. Either way the result is plain data with positions, and the caps
    (:data:`MAX_BYTES`, :data:`MAX_NODES`, :data:`MAX_DEPTH`) apply.
    """
    if len(raw) > MAX_BYTES:
        return None, [_too_large(name, len(raw))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(
                "RC001",
                Location(name, 1, 1),
                f"文件不是 UTF-8 编码（第 {exc.start} 字节）",
                f"file is not UTF-8 encoded (byte {exc.start})",
                "以 UTF-8 保存文件 save the file as UTF-8",
            )
        ]
    positions = Positions(name)
    if json if json is not None else name.lower().endswith(".json"):
        with _gc_paused():
            data, found = parse_json(text, positions, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
        if data is None and found:
            return None, found
        return Loaded(data, positions, raw), found
    diags: list[Diagnostic] = []
    loader = _BaseLoader(text)
    try:
        with _gc_paused():
            node = loader.get_single_node()
            if node is None:
                return Loaded(None, positions, raw), []
            problem = _measure(node, name)
            if problem is not None:
                return None, [problem]
            data = _build(loader, node, (), positions, diags)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem_text = exc.problem or "syntax error"
        if "maximum nesting depth" in problem_text:  # libyaml stops at 1000 levels by itself
            return None, [too_deep(Location(name, line, col), MAX_DEPTH)]
        return None, [
            Diagnostic(
                "RC001",
                Location(name, line, col),
                f"YAML 语法错误：{problem_text}",
                f"YAML syntax error: {problem_text}",
                "检查缩进、冒号和引号；含冒号或 # 的文字请加引号 "
                "check indentation, colons and quotes; quote text containing ':' or '#'",
            )
        ]
    except RecursionError:  # pragma: no cover - only PyYAML's pure-Python composer recurses
        return None, [too_deep(Location(name, 1, 1), MAX_DEPTH)]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [
            Diagnostic("RC001", Location(name, 1, 1), f"YAML 错误：{exc}", f"YAML error: {exc}")
        ]
    finally:
        loader.dispose()
    return Loaded(data, positions, raw), diags


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a document is composed and built.

    Building a large document allocates hundreds of thousands of objects, none of them in a
    reference cycle the collector would have to find, and each allocation burst triggered a full
    collection over everything already built: loading grew quadratically (bench/check_scaling.py:
    composing 8,000 generated rules took 12.9 s with the collector running, 3.0 s paused). The
    collector is switched back on afterwards only if it was on (it is process-wide).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Refused(Exception):
    """Raised inside :func:`_measure` with the diagnostic that refuses the document."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def _measure(root: yaml.Node, name: str) -> Diagnostic | None:
    """Check the composed node graph against the caps before anything is built from it.

    An alias (``*a``) is the same node object as its anchor (``&a``), so the graph is small even
    when its expansion is not; walking it once, each mapping and list memoised with its expanded
    size and height, finds an alias bomb, an alias inside its own anchor (a cycle, which would
    recurse forever) and nesting beyond :data:`MAX_DEPTH`, in time proportional to the file.
    The walk recurses at most :data:`MAX_DEPTH` levels: it stops before going deeper.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_ids: set[int] = set()

    def visit(node: yaml.Node, depth: int) -> tuple[int, int]:
        if isinstance(node, yaml.MappingNode):
            kids = [n for pair in node.value for n in pair]
        else:
            kids = node.value
        total, tallest = 1, 0
        for child in kids:
            if isinstance(child, yaml.ScalarNode):
                grown, tall = 1, 1
            else:
                cid = id(child)
                if cid in size:  # reached again: an alias repeating its anchor
                    grown, tall = size[cid], height[cid]
                elif cid in open_ids:
                    raise _Refused(_recursive_alias(name, node))
                elif depth >= MAX_DEPTH:
                    raise _Refused(too_deep(Location(name, *_mark(child)), MAX_DEPTH))
                else:
                    open_ids.add(cid)
                    grown, tall = visit(child, depth + 1)
                    open_ids.discard(cid)
            if depth + tall > MAX_DEPTH:
                raise _Refused(too_deep(Location(name, *_mark(child)), MAX_DEPTH))
            total += grown
            tallest = max(tallest, tall)
        if total > MAX_NODES:
            raise _Refused(too_many_values(Location(name, *_mark(node)), MAX_NODES))
        size[id(node)], height[id(node)] = total, tallest + 1
        return total, tallest + 1

    if isinstance(root, yaml.ScalarNode):
        return None
    try:
        open_ids.add(id(root))
        visit(root, 1)
    except _Refused as refused:
        return refused.diagnostic
    return None


def _recursive_alias(name: str, node: yaml.Node) -> Diagnostic:
    return Diagnostic(
        "RC011",
        Location(name, *_mark(node)),
        "别名 * 出现在它所指的锚点 & 的内容之中，展开永无止境",
        "an alias * occurs inside the very anchor & it names, so it never stops expanding",
        "删除这个别名，或直接写出内容 remove the alias or write the content out",
    )


def _build(
    loader: Any, node: yaml.Node, path: DocPath, pos: Positions, diags: list[Diagnostic]
) -> Any:
    """Plain data from a node graph :func:`_measure` has passed (bounded size and depth)."""
    pos.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node)
            if not isinstance(key, str | int | bool) or isinstance(key, bool):
                key = str(key)
            child = (*path, key)
            if key in out:
                line, col = _mark(key_node)
                first = pos.keys.get(child, (0, 0))[0]
                diags.append(
                    Diagnostic(
                        "RC002",
                        Location(pos.file, line, col, child),
                        f"键 {key!r} 重复出现（首次在第 {first} 行）",
                        f"duplicate key {key!r} (first at line {first})",
                        "删除或合并重复的键 remove or merge the repeated key",
                    )
                )
                continue
            pos.keys[child] = _mark(key_node)
            out[key] = _build(loader, value_node, child, pos, diags)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), pos, diags) for i, item in enumerate(node.value)]
    return _scalar(loader, node)


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(loader: Any, node: yaml.Node) -> Any:
    if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # what the constructor returns for a string, without its machinery
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # A scalar that looks like a timestamp but is not a real date (2024-13-01): keep its
        # text, so the stage that expects a date reports it with its location.
        return node.value
