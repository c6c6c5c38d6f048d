"""When PDF tests run: WeasyPrint with Pango, and a font for Chinese.

On a machine missing either, PDF tests are skipped with the reason, so `make test` passes on a
fresh machine as README says. ``.ci/run`` sets ``RONGCUO_REQUIRE_PDF=1``: there the tests run
whatever is missing, and fail loudly (RC405, RC411) instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

PDF_REQUIRED = os.environ.get("RONGCUO_REQUIRE_PDF") == "1"
#: Characters every bundled memo prints: a font that lacks them prints boxes.
SAMPLE_CJK = "容错免责认定意见补充调查通知"


def pdf_missing_reason() -> str:
    """Why PDF memos cannot be printed here, or "" when they can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"WeasyPrint/Pango not installed ({type(exc).__name__}): pip install 'rongcuo[pdf]'"
    from rongcuo.memo.pdf import missing_characters

    # asking fontconfig here, once at collection, also builds its cache before any PDF test
    # runs, so no test pays for it (or times out on it) in its own run
    missing = missing_characters(SAMPLE_CJK)
    if missing:
        return (
            f"no font for Chinese ({''.join(missing)} missing; `fc-list :lang=zh` is empty): "
            "apt-get install fonts-noto-cjk"
        )
    return ""


PDF_MISSING = pdf_missing_reason()
_skip_without_pdf = pytest.mark.skipif(
    bool(PDF_MISSING) and not PDF_REQUIRED,
    reason=f"{PDF_MISSING} (CI sets RONGCUO_REQUIRE_PDF=1 and requires it)",
)
#: The marks of a PDF test: skipped where PDF cannot be made, and ``slow`` (it prints with
#: WeasyPrint; ``pytest -m "not slow"`` leaves such tests out). For ``pytest.param(marks=...)``.
PDF_MARKS = (_skip_without_pdf, pytest.mark.slow)


def needs_pdf(test: F) -> F:
    """Decorate a PDF test with :data:`PDF_MARKS`."""
    return pytest.mark.slow(_skip_without_pdf(test))


needs_weasyprint = pytest.mark.skipif(
    PDF_MISSING.startswith("WeasyPrint") and not PDF_REQUIRED, reason=PDF_MISSING
)
