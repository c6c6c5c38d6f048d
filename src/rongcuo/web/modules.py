"""The page modules of the workspace, in the order their routes are added: each has
``register(pages)`` (web/pages.py, :class:`~rongcuo.web.pages.Pages`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rongcuo.web import (
    assess_pages,
    case_pages,
    diff_pages,
    edit_pages,
    library_pages,
    open_items_pages,
    procedure_pages,
    ruleset_pages,
)
from rongcuo.web.pages import Pages

ROUTES: tuple[Callable[[Pages], Any], ...] = (
    ruleset_pages.register,
    case_pages.register,
    edit_pages.register,
    diff_pages.register,
    procedure_pages.register,
    open_items_pages.register,
    library_pages.register,
    assess_pages.register,
)
