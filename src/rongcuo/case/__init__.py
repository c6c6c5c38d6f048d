"""The case file: the contract other systems write to (``file``), bound to a ruleset's facts.

Takes the bytes of a case file and an effective ruleset; gives a validated ``Case`` and the facts
it states (located, bilingual ``CaseError`` diagnostics otherwise).
"""
