"""``rongcuo serve``: the decision service on uvicorn (``rongcuo[service]``, docs/service.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import click

from rongcuo.cli.shared import backend_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--rulesets",
    "rulesets",
    multiple=True,
    type=click.Path(file_okay=False, exists=True),
    help="A folder of rulesets served beside the bundled ones (repeatable).",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@backend_option
def serve(host: str, port: int, rulesets: Sequence[str], workers: int, backend: str) -> None:
    """Serve the JSON API (docs/service.md) on HOST:PORT."""
    try:
        import uvicorn

        from rongcuo.service.app import CONFIG_ENV
    except ImportError as exc:
        raise click.ClickException(
            f"the service needs its extra: pip install 'rongcuo[service]' ({exc})"
        ) from None
    config = {"rulesets": [os.path.abspath(p) for p in rulesets], "backend": backend}
    os.environ[CONFIG_ENV] = json.dumps(config)
    uvicorn.run(
        "rongcuo.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
