"""The case file: the contract other systems write to, bound to a ruleset's facts.

Takes the bytes of a case file and an effective ruleset; gives a validated ``Case`` and the facts
it states (located, bilingual ``CaseError`` diagnostics otherwise). ``contract`` holds the
case-file models, ``envelope`` reads a file and turns pydantic's errors into diagnostics,
``values`` checks one stated value against its declaration, and ``file`` binds a case and its
allegations to a ruleset (and re-exports the rest).
"""
