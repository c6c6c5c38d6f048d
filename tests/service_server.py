"""A real ``rongcuo serve`` process on 127.0.0.1, for the tests that talk HTTP to it (the load
test, the hostile clients, the Node client).

``running_server(*args)`` starts ``rongcuo serve`` on a free port with ``args`` added, waits
until ``/healthz`` answers, yields the base URL, and stops the process afterwards (its log is
kept, and shown when it did not start).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

#: The ``rongcuo`` console script installed beside the interpreter running the tests.
RONGCUO = Path(sys.executable).parent / "rongcuo"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(
    *args: str, startup: float = 60.0, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``rongcuo serve --port P *args`` running; yields ``http://127.0.0.1:P``."""
    port = free_port()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [str(RONGCUO), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"rongcuo serve did not start:\n{log.read()[-4000:]}")
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
