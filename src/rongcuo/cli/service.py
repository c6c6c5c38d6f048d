"""``rongcuo serve``: the decision service on uvicorn (``rongcuo[service]``, docs/service.md)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from rongcuo.cli import shared
from rongcuo.cli.shared import backend_option
from rongcuo.records.open import is_postgres


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
@click.option(
    "--store",
    type=click.Path(dir_okay=False),
    help="The record store (an SQLite file, made if missing, or a postgresql:// URL) for "
    "?record=true, /v1/records and /v1/cases.",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, exists=True),
    help="A file holding the bearer token that writes need (reads stay open).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="An origin whose pages may call the API from a browser (repeatable; CORS is off "
    "without it).",
)
@click.option(
    "--max-body",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(1_000, 100_000_000),
    help="The largest request body, in bytes.",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a client has to send its request body.",
)
@click.option(
    "--calendar",
    "calendars",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Calendar supplement (YAML) for memo deadlines past chinese-calendar's years "
    "(repeatable).",
)
@click.option(
    "--drafts",
    type=click.Path(file_okay=False),
    help="The folder the workspace's ruleset editor saves new versions into (made if missing).",
)
@click.option(
    "--cases",
    "case_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True),
    help="A folder of case files the workspace's diff page may run over (repeatable).",
)
@click.option(
    "--library",
    "library_dir",
    type=click.Path(file_okay=False),
    help="A typical-case library folder (rongcuo library build) for /v1/library, "
    "…/precedents and the workspace's 相似典型案例.",
)
@backend_option
def serve(
    host: str,
    port: int,
    rulesets: Sequence[str],
    store: str | None,
    workers: int,
    token_file: str | None,
    cors_origins: Sequence[str],
    max_body: int,
    body_timeout: float,
    calendars: Sequence[str],
    drafts: str | None,
    case_dirs: Sequence[str],
    library_dir: str | None,
    backend: str,
) -> None:
    """Serve the JSON API (docs/service.md) and the web workspace (docs/web.md) on HOST:PORT."""
    try:  # only these come with the extra: any other import error is a bug, and says so
        import fastapi  # noqa: F401
        import python_multipart  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise click.ClickException(
            f"the service needs its extra: pip install 'rongcuo[service]' ({exc})"
        ) from None
    from rongcuo.service.app import CONFIG_ENV
    from rongcuo.service.core import Config, Service

    def absolute(p: str) -> Path:
        return Path(os.path.abspath(p))

    config = Config(
        rulesets=tuple(absolute(p) for p in rulesets),
        backend=backend,
        max_body=max_body,
        body_timeout=body_timeout,
        store=None if store is None else store if is_postgres(store) else absolute(store),
        token_file=None if token_file is None else absolute(token_file),
        cors_origins=tuple(cors_origins),
        calendars=tuple(absolute(p) for p in calendars),
        drafts=None if drafts is None else absolute(drafts),
        cases=tuple(absolute(p) for p in case_dirs),
        library=None if library_dir is None else absolute(library_dir),
    )

    def start() -> int:
        Service(config).close()  # a bad token file, store, calendar or library: stops, located
        os.environ[CONFIG_ENV] = config.to_json()
        uvicorn.run(
            "rongcuo.service.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,  # the service writes its own, one JSON line a request
            timeout_graceful_shutdown=10,
        )
        return 0

    shared.run(start)
