"""Every diagnostic code the code raises is documented in docs/codes.md, and every code there
is one the code can raise (or a documented range)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r'"(RC\d{3})"')


def raised() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "rongcuo").rglob("*.py"):
        found |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def documented() -> set[str]:
    text = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:\| |## )(RC\d{3})", text, flags=re.MULTILINE))


def test_every_code_raised_is_documented() -> None:
    missing = sorted(raised() - documented())
    assert missing == [], f"codes raised but not in docs/codes.md: {missing}"


def test_the_codes_are_many_and_the_check_can_fail() -> None:
    assert len(raised()) > 150
    assert "RC710" in documented() and "RC999" not in documented()
