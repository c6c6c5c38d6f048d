"""Stage 1, the ruleset: YAML files with positions in, one checked, effective ``Ruleset`` out.

``document`` and ``jsondoc`` read bytes into plain data with the position of every value;
``reader`` and ``load`` check the shape of one version file (a condition in ``load_conditions``,
a fact in ``load_facts``, a rule in ``load_rules``) into the immutable model of ``model``
(its words in ``vocabulary``, conditions in ``conditions``, declarations in ``declarations``);
``library`` finds rulesets on disk and picks the version in force, ``merge`` merges ``extends``
chains (``params`` puts parameter values in); ``graph`` works out once what each rule reads;
``check`` (one rule at a time in ``check_rules``), ``check_order`` and ``check_clearing`` report
every semantic problem of the merged ruleset as located diagnostics, raising none
(``normal_form`` puts conditions in disjunctive normal form for them and for lint);
``prose`` writes a condition out in plain Chinese for the pages and the diff report.
"""
