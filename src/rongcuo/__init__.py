"""rongcuo (容错): error-tolerance policy as declarative, testable rules.

Policy staff write rulesets in YAML; :func:`check` lists every mistake in one; :func:`evaluate`
turns a case file into a :class:`Decision` — the proposed outcome, the situations, exclusions and
preconditions, the six looks, the three distinctions, the facts still missing, and a reasoning
trace in which every step names a rule and the clause it encodes.

>>> import rongcuo
>>> decision = rongcuo.evaluate("examples/wz-01-pilot-tolerate.yaml", ruleset="wanzhou")
>>> decision.outcome
'tolerate'
"""

from ._api import Backend, Engine, __version__, check, evaluate
from ._case import Cadre, Case, Evidence, load_case
from ._decision import (
    CitationRef,
    ClaimCheck,
    Decision,
    DistinctionFinding,
    FactUse,
    LookFinding,
    MissingFact,
    RuleResult,
    TraceStep,
    ValueEffect,
    WalkStep,
)
from ._errors import (
    CaseError,
    Diagnostic,
    EngineError,
    InputError,
    Location,
    RongcuoError,
    RulesetError,
    RulesetNotFound,
)
from ._model import Ruleset

__all__ = [
    "Backend",
    "Cadre",
    "Case",
    "CaseError",
    "CitationRef",
    "ClaimCheck",
    "Decision",
    "Diagnostic",
    "DistinctionFinding",
    "Engine",
    "EngineError",
    "Evidence",
    "FactUse",
    "InputError",
    "Location",
    "LookFinding",
    "MissingFact",
    "RongcuoError",
    "RuleResult",
    "Ruleset",
    "RulesetError",
    "RulesetNotFound",
    "TraceStep",
    "ValueEffect",
    "WalkStep",
    "__version__",
    "check",
    "evaluate",
    "load_case",
]
