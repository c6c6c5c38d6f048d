"""Stage 1, the ruleset: YAML files with positions in, one checked, effective ``Ruleset`` out.

``document`` and ``jsondoc`` read bytes into plain data with the position of every value;
``reader`` and ``load`` check the shape of one version file into the immutable model of
``model``; ``library`` finds rulesets on disk, picks the version in force and merges ``extends``
chains (``params`` puts parameter values in); ``check`` and ``check_clearing`` report every
semantic problem of the merged ruleset as located diagnostics, raising none.
"""
