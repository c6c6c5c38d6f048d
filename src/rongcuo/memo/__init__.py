"""Stage 5, the memo: Decision, case and ruleset in, memo bytes out.

``context`` computes everything a template may print (``MemoContext``), with deadlines in
working days from ``calendar`` and ``calendar_file``; ``render`` runs the bundled or given
templates (``templates/``) in the sandbox of ``sandbox``, and ``pdf`` prints HTML to PDF.
"""
