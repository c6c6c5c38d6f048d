"""Stage 4, the decision: rule values in, a ``Decision`` out.

``presume`` reads unstated facts as the ruleset says (catalogue §6); ``walk`` walks the decision
order; ``missing`` finds the facts an open case waits on; ``clearing`` reads each allegation
(catalogue §10); ``decide`` derives the six looks and three distinctions (``findings``), the
reason (``reasons``), the presumed facts relied on (``presumed_facts``) and the trace, and builds
the ``Decision`` of ``model``; ``lighter`` applies 从旧兼从轻 (§11); ``explain`` gives text
views. ``contract`` writes a Decision as the v1 contract's JSON (the models in ``wire``), and
``expand`` reads it back.
"""
