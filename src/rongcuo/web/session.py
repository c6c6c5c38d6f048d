"""Signing in and cross-site protection for the pages: takes a request, gives whether its
officer is signed in and whether its form may write.

Signing in is with the service's token (``--token-file``); it gives a session cookie signed
with a key derived from the token, so that every worker process accepts it and a new token ends
every session. Without a token the service is open, as the API is, and no sign-in is asked.
Every form that writes carries a per-browser cross-site token (a random cookie, ``SameSite=
Strict``, repeated in the form or in the ``X-CSRF-Token`` header htmx sends) and must come from
the service's own origin when the browser says where it came from.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

from fastapi import Request

SESSION_COOKIE = "rc_session"
CSRF_COOKIE = "rc_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
#: How long a sign-in lasts, in seconds (a working day).
SESSION_SECONDS = 10 * 3600


class Sessions:
    """The sessions of one service: signed with a key derived from its token."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self._key = (
            None
            if token is None
            else hmac.new(token.encode(), b"rongcuo web session v1", hashlib.sha256).digest()
        )

    @property
    def required(self) -> bool:
        """Whether writing needs a signed-in session (the service has a token)."""
        return self.token is not None

    def token_matches(self, given: str) -> bool:
        """Whether ``given`` is the service's token (compared in constant time)."""
        return self.token is not None and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )

    def issue(self, now: float | None = None) -> str:
        """A new session cookie value: its expiry and its signature."""
        expires = int((time.time() if now is None else now) + SESSION_SECONDS)
        return f"{expires}.{self._sign(str(expires))}"

    def signed_in(self, request: Request) -> bool:
        """Whether the request's officer may write: signed in, or no token is needed."""
        if self._key is None:
            return True
        value = request.cookies.get(SESSION_COOKIE, "")
        expires, _, signature = value.partition(".")
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(signature, self._sign(expires))

    def _sign(self, payload: str) -> str:
        assert self._key is not None
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The browser's cross-site token: its cookie, or a new one the response will set."""
    found = request.cookies.get(CSRF_COOKIE, "")
    if len(found) == 43 and found.replace("-", "").replace("_", "").isalnum():
        return found
    made = getattr(request.state, "new_csrf", None)
    if made is None:
        made = secrets.token_urlsafe(32)
        request.state.new_csrf = made
    return str(made)


def same_origin(request: Request) -> bool:
    """Whether the request came from the service's own pages, as far as the browser says
    (``Origin``, else ``Referer``; a request that names neither passes on its token alone)."""
    said = request.headers.get("origin") or request.headers.get("referer")
    if not said or said == "null":
        return not said
    where = urlsplit(said)
    return where.netloc == request.headers.get("host", "")


def csrf_ok(request: Request, given: str | None) -> bool:
    """Whether a writing form may be served: the token it carries (field or header) is the
    browser's cookie, and it came from this origin."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = given or request.headers.get(CSRF_HEADER, "")
    return bool(cookie) and hmac.compare_digest(sent, cookie) and same_origin(request)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only, else the front page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
