"""Tools for the people who write rulesets: ``lint`` (weak logic), ``diff`` (what an edit does to
past decisions), ``scenario`` and ``testrun`` (Chinese Gherkin scenarios and rule coverage)."""
