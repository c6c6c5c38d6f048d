"""Load YAML (or JSON) into plain data plus a map from document path to source position.

The loader is a private ``SafeLoader`` instance per call (nothing is registered globally), builds
plain dicts and lists, and rejects duplicate keys instead of letting the last one win silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._errors import Diagnostic, DocPath, Location

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


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_document(path: Path, display: str | None = None) -> tuple[Loaded | None, list[Diagnostic]]:
    """Read ``path`` and return the loaded document or the diagnostics explaining why not."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            Diagnostic(
                "RC000",
                Location(name),
                f"无法读取文件：{exc.strerror}",
                f"cannot read file: {exc.strerror}",
                "检查路径和权限 check the path and permissions",
            )
        ]
    return load_text(raw, name)


def load_text(raw: bytes, name: str) -> tuple[Loaded | None, list[Diagnostic]]:
    """Parse bytes already read; see :func:`load_document`."""
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
    diags: list[Diagnostic] = []
    loader = _BaseLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Loaded(None, positions, raw), []
        data = _build(loader, node, (), positions, diags)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "syntax error"
        return None, [
            Diagnostic(
                "RC001",
                Location(name, line, col),
                f"YAML 语法错误：{problem}",
                f"YAML syntax error: {problem}",
                "检查缩进、冒号和引号；含冒号或 # 的文字请加引号 "
                "check indentation, colons and quotes; quote text containing ':' or '#'",
            )
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [
            Diagnostic("RC001", Location(name, 1, 1), f"YAML 错误：{exc}", f"YAML error: {exc}")
        ]
    finally:
        loader.dispose()
    return Loaded(data, positions, raw), diags


def _build(
    loader: Any, node: yaml.Node, path: DocPath, pos: Positions, diags: list[Diagnostic]
) -> Any:
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
