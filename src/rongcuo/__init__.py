"""rongcuo (容错): error-tolerance policy as declarative, testable rules.

Policy staff write rulesets in YAML; :func:`check` lists every mistake in one; :func:`evaluate`
turns a case file into a :class:`Decision` — the proposed outcome, the situations, exclusions and
preconditions, the six looks, the three distinctions, the facts still missing, and a reasoning
trace in which every step names a rule and the clause it encodes. :meth:`Engine.memo` renders
that Decision as a memo (Markdown, HTML, DOCX or PDF) from sandboxed templates; :meth:`Engine.lint`
finds weak spots in a ruleset's logic, and :func:`diff` says what an edit to a ruleset changes in
past decisions, and why.

>>> import rongcuo
>>> decision = rongcuo.evaluate("examples/wz-01-pilot-tolerate.yaml", ruleset="wanzhou")
>>> decision.outcome
'tolerate'
"""

from ._api import Backend, Engine, Memo, __version__, check, evaluate
from ._calendar import CalendarError, OfficialCalendar
from ._case import Cadre, Case, Correction, Evidence, ProcedureDates, load_case
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
from ._diff import DiffReport, diff
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
from ._memo import MemoContext
from ._model import Ruleset
from ._render import Format, PdfUnavailable, TemplateError

__all__ = [
    "Backend",
    "Cadre",
    "CalendarError",
    "Case",
    "CaseError",
    "CitationRef",
    "ClaimCheck",
    "Correction",
    "Decision",
    "Diagnostic",
    "DiffReport",
    "DistinctionFinding",
    "Engine",
    "EngineError",
    "Evidence",
    "FactUse",
    "Format",
    "InputError",
    "Location",
    "LookFinding",
    "Memo",
    "MemoContext",
    "MissingFact",
    "OfficialCalendar",
    "PdfUnavailable",
    "ProcedureDates",
    "RongcuoError",
    "RuleResult",
    "Ruleset",
    "RulesetError",
    "RulesetNotFound",
    "TemplateError",
    "TraceStep",
    "ValueEffect",
    "WalkStep",
    "__version__",
    "check",
    "diff",
    "evaluate",
    "load_case",
]
