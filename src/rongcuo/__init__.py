"""rongcuo (容错): error-tolerance policy as declarative, testable rules.

Policy staff write rulesets in YAML; :func:`check` lists every mistake in one; :func:`evaluate`
turns a case file into a :class:`Decision` — the proposed outcome, the situations, exclusions and
preconditions, the six looks, the three distinctions, the facts still missing, and a reasoning
trace in which every step names a rule and the clause it encodes. :meth:`Engine.memo` renders
that Decision as a memo (Markdown, HTML, DOCX or PDF) from sandboxed templates, counting its
deadlines on an :class:`OfficialCalendar` (a :class:`CalendarSupplement` file extends it to years
chinese-calendar does not cover yet); :meth:`Engine.lint` finds weak spots in a ruleset's logic,
and :func:`diff` says what an edit to a ruleset changes in past decisions, and why.
:func:`batch` decides a folder or a JSON Lines stream of cases in parallel into a resumable,
exactly-once JSON Lines output. :meth:`Engine.record` keeps a reproducible
:class:`DecisionRecord` of an evaluation in a :class:`RecordStore` (:class:`SQLiteStore`),
and :func:`replay` checks that it still holds.

>>> import rongcuo
>>> decision = rongcuo.evaluate("examples/wz-01-pilot-tolerate.yaml", ruleset="wanzhou")
>>> decision.outcome
'tolerate'
"""

from rongcuo.api import Backend, BackendUnavailable, Engine, Memo, __version__, check, evaluate
from rongcuo.authoring.diff import DiffReport, diff
from rongcuo.batch.run import BatchSummary, batch, batch_on_dask
from rongcuo.case.file import (
    Allegation,
    Cadre,
    Case,
    Correction,
    Evidence,
    ProcedureDates,
    Reporter,
    load_case,
)
from rongcuo.decision.model import (
    AllegationClearing,
    CitationRef,
    ClaimCheck,
    ClearingSection,
    Decision,
    DistinctionFinding,
    FactUse,
    LookFinding,
    MissingFact,
    RuleResult,
    TraceStep,
    ValueEffect,
    VersionChoice,
    VersionOutcome,
    WalkStep,
)
from rongcuo.errors import (
    CaseError,
    Diagnostic,
    EngineError,
    InputError,
    Location,
    RongcuoError,
    RulesetError,
    RulesetNotFound,
)
from rongcuo.memo.calendar import (
    CalendarError,
    CalendarSupplement,
    HolidayRange,
    OfficialCalendar,
    SupplementYear,
)
from rongcuo.memo.context import Document, DocumentNotApplicable, MemoContext
from rongcuo.memo.render import Format, PdfUnavailable, TemplateError
from rongcuo.records.model import (
    DecisionRecord,
    RecordError,
    RecordStore,
    Review,
    make_record,
    record_id,
)
from rongcuo.records.replay import ReplayResult, replay
from rongcuo.records.store import SQLiteStore
from rongcuo.ruleset.model import Ruleset

__all__ = [
    "Allegation",
    "AllegationClearing",
    "Backend",
    "BackendUnavailable",
    "BatchSummary",
    "Cadre",
    "CalendarError",
    "CalendarSupplement",
    "Case",
    "CaseError",
    "CitationRef",
    "ClaimCheck",
    "ClearingSection",
    "Correction",
    "Decision",
    "DecisionRecord",
    "Diagnostic",
    "DiffReport",
    "DistinctionFinding",
    "Document",
    "DocumentNotApplicable",
    "Engine",
    "EngineError",
    "Evidence",
    "FactUse",
    "Format",
    "HolidayRange",
    "InputError",
    "Location",
    "LookFinding",
    "Memo",
    "MemoContext",
    "MissingFact",
    "OfficialCalendar",
    "PdfUnavailable",
    "ProcedureDates",
    "RecordError",
    "RecordStore",
    "ReplayResult",
    "Reporter",
    "Review",
    "RongcuoError",
    "RuleResult",
    "Ruleset",
    "RulesetError",
    "RulesetNotFound",
    "SQLiteStore",
    "SupplementYear",
    "TemplateError",
    "TraceStep",
    "ValueEffect",
    "VersionChoice",
    "VersionOutcome",
    "WalkStep",
    "__version__",
    "batch",
    "batch_on_dask",
    "check",
    "diff",
    "evaluate",
    "load_case",
    "make_record",
    "record_id",
    "replay",
]
