"""Shared fixtures: a fresh engine per test, the bundled examples, a tmp ruleset folder."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import rongcuo
from rongcuo.api import durable_installed

from .browser_support import browser, web_server  # noqa: F401 (fixtures for the page tests)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
RULESET_OF = {"wz": "wanzhou", "my": "mianyang", "nat": "national"}


#: Marks a test that needs the durable_rules backend; it is skipped where durable_rules is not
#: installed (it builds on CPython 3.11 and 3.12 only; on 3.13 rongcuo runs on its reference
#: evaluator alone).
NO_DURABLE = "durable_rules is not installed (Python 3.13+): reference backend only"
requires_durable = pytest.mark.skipif(not durable_installed(), reason=NO_DURABLE)

#: The head of a small ruleset ``local`` extending national, for tests to add rules or facts to.
LOCAL_HEAD = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
extends: national
documents:
  - {id: doc, title: 测试文件}
"""

#: The backends installed here, to parametrise a test over (durable skipped where it is absent).
BACKENDS = [pytest.param("durable", marks=requires_durable), "reference"]


def expected_outcome(path: Path) -> str:
    """The outcome an example file declares in its first line: ``# expect: tolerate``."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} has no '# expect:' line"
    return first.removeprefix("# expect: ").strip()


def ruleset_of(path: Path) -> str:
    return RULESET_OF[path.name.split("-")[0]]


@pytest.fixture
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine() as e:
        yield e


@pytest.fixture
def reference() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


WriteRuleset = Callable[[str, str, str], Path]


@pytest.fixture
def write_ruleset(tmp_path: Path) -> WriteRuleset:
    """Write ``<tmp>/rulesets/<id>/<version>.yaml`` from dedented text; return the file."""

    def write(rid: str, version: str, text: str) -> Path:
        folder = tmp_path / "rulesets" / rid
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{version}.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def case_json(path: Path) -> Any:
    """A YAML case file as a client would send it in JSON (dates as ISO text)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))
