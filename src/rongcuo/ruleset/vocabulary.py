"""The fixed words of the ruleset language, as types and tables: fact types and values, rule
kinds, comparison operators, and the facts the engine gives meaning to.

Takes nothing; gives the literals and tables that the model (:mod:`rongcuo.ruleset.conditions`,
:mod:`rongcuo.ruleset.declarations`), the loader and the checker share.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from rongcuo.errors import Location

FactType = Literal["bool", "number", "enum", "date", "text"]
#: A fact's value: a set of enum keys for an enum fact declared ``multiple: true``.
FactValue = bool | int | float | str | dt.date | frozenset[str]
RuleKind = Literal[
    "situation",
    "exclusion",
    "precondition",
    "look",
    "distinction",
    "mitigating",
    "aggravating",
    "outcome",
    "strike",
    "clearing",
    "clearing_method",
    "reporter_handling",
]
RULE_KINDS: tuple[RuleKind, ...] = (
    "situation",
    "exclusion",
    "precondition",
    "look",
    "distinction",
    "mitigating",
    "aggravating",
    "outcome",
    "strike",
    "clearing",
    "clearing_method",
    "reporter_handling",
)
#: Kinds of the clearing rules (catalogue §10): evaluated once for each allegation of a case, on
#: its facts (``scope: allegation``) and the case's, never in the decision order itself.
CLEARING_KINDS: frozenset[str] = frozenset(
    {"strike", "clearing", "clearing_method", "reporter_handling"}
)
#: How each field of an allegation in a case file (catalogue §10) reaches the clearing rules:
#: the fact id (declared in the ruleset with ``scope: allegation``) each one is read as.
ALLEGATION_FACTS: dict[str, str] = {
    "finding": "allegation_finding",
    "kind": "allegation_kind",
    "spread": "allegation_spread",
    "reporter.signed": "reporter_signed",
    "reporter.informed": "reporter_informed",
}
#: The computed facts a ruleset may declare (``computed: NAME``), and what computes them.
COMPUTED_FACTS: dict[str, str] = {
    "allegations_struck": "至少有一项举报问题，且每一项都被认定为查否（strike 规则成立）",
}
#: Kinds that ``any_rule`` / ``all_rules`` may aggregate over.
AGGREGATE_KINDS: tuple[RuleKind, ...] = (
    "situation",
    "exclusion",
    "precondition",
    "mitigating",
    "aggravating",
)
CmpOp = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains"]
ORDER_OPS: frozenset[str] = frozenset({"lt", "le", "gt", "ge"})
LOOK_FINDINGS = ("favourable", "unfavourable", "neutral")
NOWHERE = Location("<builtin>")
