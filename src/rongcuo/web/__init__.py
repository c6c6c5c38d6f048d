"""The web workspace: Chinese pages served by ``rongcuo serve`` at ``/`` for policy staff and
investigators who do not program (docs/web.md).

Takes the service's :class:`~rongcuo.service.core.Service` (its engines, token, drafts and case
folders); gives server-rendered pages (Jinja2, htmx for partial updates, each page also a plain
form without JavaScript). ``pages`` mounts them and renders templates and error pages;
``session`` signs officers in with the service's token and guards forms against cross-site
submission. The static files under ``static/`` (htmx, CodeMirror) are vendored with their
licences (static/vendor/VENDORED.md).
"""
