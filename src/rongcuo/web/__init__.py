"""The web workspace: Chinese pages served by ``rongcuo serve`` at ``/`` for policy staff and
investigators who do not program (docs/web.md).

Takes the service's :class:`~rongcuo.service.core.Service` (its engines, token, drafts and case
folders); gives server-rendered pages (Jinja2, htmx for partial updates, each page also a plain
form without JavaScript). ``pages`` mounts them and renders templates and error pages;
``session`` signs officers in with the service's token and guards forms against cross-site
submission; ``routing`` adds a module's page routes. The pages: ``ruleset_pages`` (a ruleset as
policy text, built by ``ruleset_view``, with ``ruleset_coverage`` of its scenarios),
``case_pages`` (the case workspace: ``case_form`` builds the form from the fact declarations,
``case_read`` reads it back into a case), ``edit_pages`` (the editor; ``drafts`` stages and
saves text) and ``diff_pages`` (what an edit changes). The static files under ``static/`` (htmx, CodeMirror) are vendored with their
licences (static/vendor/VENDORED.md).
"""
