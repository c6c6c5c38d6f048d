"""Stage 4, the decision: rule values in, a ``Decision`` out.

``presume`` reads unstated facts as the ruleset says (catalogue §6); ``walk`` walks the decision
order; ``missing`` finds the facts an open case waits on; ``clearing`` reads each allegation
(catalogue §10); ``decide`` derives the six looks, three distinctions and trace and builds the
``Decision`` of ``model``; ``lighter`` applies 从旧兼从轻 (§11); ``explain`` gives text views.
"""
