"""Stage 3, evaluation: one case's facts in, the three-valued value of every rule out.

``reference`` is the language's semantics in pure Python and the reference evaluator;
``durable`` runs the same rules on durable_rules (the only package that imports it). Both
implement the ``Evaluator`` protocol of ``reference``; the differential test holds them equal.
"""
