"""(being written) The workspace's ruleset_pages routes."""

from __future__ import annotations

from rongcuo.web.pages import Pages


def register(pages: Pages) -> None:
    """Add this module's routes to the workspace."""
