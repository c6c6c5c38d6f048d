"""The decision service: ``rongcuo serve``, a JSON API over HTTP for systems that are not Python.

Takes requests (a case as JSON, a ruleset id, a record id); gives the library's answers: the
Decision byte for byte as ``Engine.evaluate`` gives it, memos, records, and located errors as
JSON. ``app`` builds the ASGI application (FastAPI) from a :class:`~rongcuo.service.core.Config`
(middleware, error handlers, access log); ``core`` holds what the routes share (the engines, the
body read within its limits, the token check, the store); ``rulesets``, ``decide`` (evaluate,
memo) and ``records`` (records, review, replay) are the routes; ``errors`` writes every failure
as a JSON error; the ``serve`` command of ``rongcuo.cli`` runs it on uvicorn. Needs ``pip install 'rongcuo[service]'``. See docs/service.md.
"""
