"""The public entry points: :class:`Engine` and the :func:`evaluate` / :func:`check` shortcuts."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from rongcuo.authoring.lint import lint as lint_ruleset
from rongcuo.case.file import Case, CaseSource, bind_allegations, bind_facts, load_case, parse_case
from rongcuo.decision.clearing import ClearingDecider
from rongcuo.decision.decide import Decider
from rongcuo.decision.lighter import assessment_day, decide_lighter
from rongcuo.decision.model import Decision
from rongcuo.engine.reference import Evaluator, Program, ReferenceEvaluator
from rongcuo.errors import (
    Diagnostic,
    Location,
    RongcuoError,
    RulesetNotFound,
    sort_diagnostics,
)
from rongcuo.files import write_file
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.context import Document, MemoContext, build_context, template_kind
from rongcuo.memo.render import Format, Renderer, TemplateInfo
from rongcuo.records.model import DecisionRecord, RecordStore, make_record
from rongcuo.ruleset.check_assessment import require_kind
from rongcuo.ruleset.library import Library
from rongcuo.ruleset.model import CLEARING_KINDS, Ruleset
from rongcuo.schemas import case_schema

try:
    __version__ = version("rongcuo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

Backend = Literal["durable", "reference"]


@functools.cache  # an import that fails is looked for again on every try: ask once
def durable_installed() -> bool:
    """Whether the durable_rules backend can be used here. durable_rules 2.0.28 builds on
    CPython 3.11 and 3.12 only (it is installed only there); elsewhere rongcuo runs on its
    reference evaluator, which gives the same decisions."""
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError:
        return False
    return True


def default_backend() -> Backend:
    """durable_rules where it is installed, else the reference evaluator."""
    return "durable" if durable_installed() else "reference"


def resolve_backend(backend: Backend | None) -> Backend:
    """The backend to use for ``backend`` (``None``: :func:`default_backend`); an unknown name
    is a ValueError, durable where it is not installed :class:`BackendUnavailable` (RC302)."""
    if backend is None:
        return default_backend()
    if backend not in ("durable", "reference"):
        raise ValueError(f"backend must be 'durable' or 'reference', not {backend!r}")
    if backend == "durable" and not durable_installed():
        raise BackendUnavailable()
    return backend


class BackendUnavailable(RongcuoError):
    """The durable backend was asked for where durable_rules is not installed (RC302)."""

    code = "RC302"

    def __init__(self) -> None:
        super().__init__(
            "error RC302: 此环境未安装 durable_rules（仅支持 Python 3.11、3.12），不能使用 "
            "--backend durable / durable_rules is not installed here (it builds on Python 3.11 "
            "and 3.12 only): use --backend reference, which gives the same decisions"
        )


@dataclass(frozen=True)
class Memo:
    """A rendered memo: its bytes, and what it was rendered from."""

    data: bytes
    format: Format
    template: TemplateInfo
    decision: Decision
    context: MemoContext

    def write(self, path: Path | str) -> None:
        """Write the memo to ``path`` atomically (a temporary file, then a rename); a folder, a
        symbolic link, a device or a read-only place is refused (OutputError, RC305–RC308)."""
        write_file(path, self.data)


CaseInput = Case | Mapping[str, Any] | str | Path


class Engine:
    """Loads rulesets and evaluates cases. Build one and reuse it; it holds no global state.

    ``paths`` are extra folders of rulesets searched before the bundled ones. ``backend``
    chooses durable_rules or the pure-Python reference evaluator; both give the same decisions,
    and each records which one made it (``Decision.engine``). By default it is durable_rules
    where that is installed (Python 3.11 and 3.12), else the reference evaluator; asking for
    ``"durable"`` where it is not installed raises :class:`BackendUnavailable` (RC302).

    An Engine may be shared by threads: each gets the decision it would get alone (evaluations
    on one compiled ruleset take turns, as durable's C core needs; the GIL serialises them
    anyway). Do not ``close`` it while another thread evaluates.

    >>> engine = Engine()
    >>> decision = engine.evaluate("examples/wz-01-pilot-tolerate.yaml", ruleset="wanzhou")
    >>> decision.outcome
    'tolerate'
    """

    def __init__(self, paths: Sequence[Path | str] = (), *, backend: Backend | None = None) -> None:
        self.backend = resolve_backend(backend)
        self.library = Library(paths)
        self._deciders: dict[str, Decider] = {}
        self._closers: list[Any] = []
        self._renderers: dict[tuple[str, ...], Renderer] = {}
        # Guards the library's caches and the compiled rulesets while they are built; an
        # evaluator guards its own evaluations (see DurableEvaluator).
        self._lock = threading.RLock()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the engine's compiled rulesets."""
        with self._lock:
            for evaluator in self._closers:
                evaluator.close()
            self._closers.clear()
            self._deciders.clear()

    def ruleset(self, ruleset_id: str, on: dt.date) -> Ruleset:
        """The effective ruleset ``ruleset_id`` in force on ``on``, checked."""
        with self._lock:
            return self.library.resolve(ruleset_id, on)

    def case_schema(self, ruleset_id: str, on: dt.date | None = None) -> dict[str, Any]:
        """The JSON Schema of a case file for the version of ``ruleset_id`` in force on ``on``
        (default: its newest version): the facts it declares with their types, allowed values
        and Chinese labels, and its situations (see :func:`rongcuo.schemas.case_schema`)."""
        with self._lock:
            day = self.newest_day(ruleset_id) if on is None else on
            return case_schema(self.library.resolve(ruleset_id, day))

    def newest_day(self, ruleset_id: str) -> dt.date:
        """The first day of the newest version of ``ruleset_id`` (RulesetNotFound when it has
        none)."""
        with self._lock:
            files = self.library.versions(ruleset_id).files
        day = max((f.effective_from for f in files), default=None)
        if day is None:
            raise RulesetNotFound(f"规则集 {ruleset_id!r} 没有版本 / {ruleset_id!r} has no version")
        return day

    def check(self, ruleset_id: str) -> list[Diagnostic]:
        """Every problem in every version of a ruleset, sorted (warnings included)."""
        with self._lock:
            return sort_diagnostics(self.library.check(ruleset_id))

    def lint(self, ruleset_id: str) -> list[Diagnostic]:
        """Weaknesses of the logic of every version of a ruleset (warnings RC501–RC508), sorted;
        each version is linted with each base it can meet, as ``check`` does. A ruleset with
        check errors is not linted: its check diagnostics are returned instead."""
        checked = self.check(ruleset_id)
        if any(d.severity == "error" for d in checked):
            return checked
        with self._lock:
            effective = self.library.effective_rulesets(ruleset_id)
        found = [d for rs in effective for d in lint_ruleset(rs)]
        return sort_diagnostics(found)

    def load_case(self, case: CaseInput) -> tuple[Case, CaseSource]:
        """Accept a :class:`Case`, a mapping, or a path to a YAML/JSON case file."""
        if isinstance(case, Case):
            return case, CaseSource(f"<case {case.id}>")
        if isinstance(case, str | Path):
            return load_case(case)
        return parse_case(dict(case), CaseSource("<case>")), CaseSource("<case>")

    def evaluate(
        self,
        case: CaseInput,
        *,
        ruleset: str,
        as_of: dt.date | None = None,
        source: CaseSource | None = None,
    ) -> Decision:
        """Evaluate a case into a Decision.

        The case is judged under the effective ruleset in force when the conduct happened (on
        its ``conduct_until`` when given, else its ``incident_date``), unless the one in force on
        ``as_of`` differs and treats it more lightly (从旧兼从轻, catalogue §11): then the case
        is decided under both, the lighter applies, and ``Decision.versions`` names both.
        ``as_of`` is the date the assessment is made; it is recorded in the Decision and
        defaults to the day of the conduct (so that only one version applies). The clock is
        never read.

        ``source`` says where an already parsed :class:`Case` came from (its file name and the
        positions of its fields), so that errors found while deciding name the file, line and
        field; it is ignored for a path or a mapping, which are read here.
        """
        model, read_from = self.load_case(case)
        if source is None or not isinstance(case, Case):
            source = read_from
        return self._evaluate(model, source, ruleset, as_of)[0]

    def record(
        self, decision: Decision, case: CaseInput, *, store: RecordStore, recorded_at: str
    ) -> DecisionRecord:
        """Record ``decision``, made from ``case``, in ``store`` and return the record.

        ``recorded_at`` is an ISO timestamp chosen by the caller (the clock is never read).
        Recording the same evaluation again stores nothing new: the id is derived from the case
        hash, the ruleset hash and ``as_of`` (see docs/records.md). Raises RC705 when ``case`` is
        not the case the decision was made from.
        """
        model, _ = self.load_case(case)
        made = make_record(decision, model, recorded_at=recorded_at)
        store.put(made)
        return made

    def memo(
        self,
        case: CaseInput,
        *,
        ruleset: str,
        as_of: dt.date | None = None,
        format: Format = "md",
        template: Path | str | None = None,
        template_dirs: Sequence[Path | str] = (),
        doc_number: str = "",
        issuer: str = "",
        calendar: OfficialCalendar | None = None,
        document: Document = "decision",
    ) -> Memo:
        """Evaluate a case and render one of its documents (Markdown, HTML, DOCX or PDF) as bytes.

        ``document`` chooses which: ``"decision"`` (the default) is the decision's own memo, its
        template the one for the outcome (``tolerate.j2``, ``cleared.docx`` …); the clearing of
        names (澄清正名) adds ``"clearing"`` (澄清正名通知书, to the cadre and unit: each
        allegation to clear or awaiting consent, its methods, scope, who clears and by when),
        ``"referral"`` (诬告陷害问题移送函, for allegations found fabricated) and
        ``"reporter"`` (举报人核查结果告知书, one notice per allegation a signed reporter is
        still to be told about), with the templates ``clearing``, ``referral``, ``reporter``.
        A document that does not apply to the decision raises :class:`DocumentNotApplicable`
        (RC418), never an empty memo.

        Templates are looked up in ``template_dirs`` and then among the bundled templates,
        unless ``template`` names a file. ``doc_number`` (文号) and ``issuer`` (认定机关) fill
        the memo's slots; left empty they print as blanks to fill in by hand. Raises
        :class:`TemplateError` (located) when a template fails, :class:`CalendarError` when a
        deadline lies past the official calendar's last published year.
        """
        model, source = self.load_case(case)
        decision, rs = self._evaluate(model, source, ruleset, as_of)
        where = Location(source.name)
        renderer = self._renderer(template_dirs)
        info = renderer.find(template_kind(decision, document), format, template)
        context = build_context(
            decision,
            model,
            rs,
            calendar=calendar or OfficialCalendar(),
            template=info.footer(),
            doc_number=doc_number,
            issuer=issuer,
            where=where,
            document=document,
        )
        data = {
            "memo": context.model_dump(mode="json"),
            "decision": decision.model_dump(mode="json"),
            "case": model.model_dump(mode="json"),
        }
        day = dt.date.fromisoformat(decision.as_of)
        return Memo(renderer.render(info, format, data, day), format, info, decision, context)

    def _renderer(self, template_dirs: Sequence[Path | str]) -> Renderer:
        key = tuple(str(d) for d in template_dirs)
        with self._lock:
            if key not in self._renderers:
                self._renderers[key] = Renderer(template_dirs)
            return self._renderers[key]

    def _evaluate(
        self, model: Case, source: CaseSource, ruleset: str, as_of: dt.date | None
    ) -> tuple[Decision, Ruleset]:
        """The Decision that applies to ``model`` assessed on ``as_of`` (default: the day of the
        conduct), and the ruleset it was made under: 从旧兼从轻 between the version in force on
        the day of the conduct and the one in force on ``as_of`` (see ``decision.lighter``)."""
        when = assessment_day(model, source, as_of)

        def resolve(day: dt.date) -> Ruleset:
            try:
                return self.ruleset(ruleset, day)
            except RulesetNotFound as exc:
                raise RulesetNotFound(f"{source.name}: {exc}") from None

        return decide_lighter(
            model,
            source,
            when,
            resolve=resolve,
            decide=lambda rs: self._decide_under(rs, model, source, when),
        )

    def _decide_under(
        self, rs: Ruleset, model: Case, source: CaseSource, when: dt.date
    ) -> Decision:
        """Decide ``model`` under one effective ruleset: bind its facts, then walk the decision
        order. The one place a case meets a ruleset; 从旧兼从轻 calls it once per version.
        An assessment ruleset (reuse, warning) makes no Decision (RC172)."""
        require_kind(rs, "tolerance")
        decider = self._decider(rs)
        facts = bind_facts(model, rs, source)
        allegations = bind_allegations(model, rs, source)
        return decider.decide(model, facts, when, allegations)

    def evaluator(self, ruleset: Ruleset) -> Evaluator:
        """The rule evaluator this engine uses for ``ruleset`` (built once, then reused)."""
        return self._decider(ruleset).evaluator

    def _decider(self, rs: Ruleset) -> Decider:
        found = self._deciders.get(rs.content_hash)
        if found is not None:
            return found
        with self._lock:  # two threads must not compile (and register) one ruleset twice
            return self._new_decider(rs)

    def _new_decider(self, rs: Ruleset) -> Decider:
        found = self._deciders.get(rs.content_hash)
        if found is None:
            # The decision order and the clearing rules are evaluated apart (each allegation
            # on its own facts), by the same backend.
            main = rs.part(clearing=False)
            program = Program.build(main)
            evaluator = self._new_evaluator(program, "")
            clearing = None
            if any(r.kind in CLEARING_KINDS for r in rs.rules.values()):
                part = Program.build(rs.part(clearing=True))
                clearing = ClearingDecider(rs, part, self._new_evaluator(part, "_c"))
            found = Decider(program, evaluator, __version__, clearing)
            self._deciders[rs.content_hash] = found
        return found

    def _new_evaluator(self, program: Program, suffix: str) -> Evaluator:
        """The backend's evaluator of one part of a ruleset."""
        if self.backend == "durable":
            from rongcuo.engine.durable.evaluator import durable_evaluator

            rs = program.ruleset
            durable = durable_evaluator(rs, f"rc_{rs.content_hash[7:23]}{suffix}")
            self._closers.append(durable)
            return durable
        return ReferenceEvaluator(program)


def evaluate(
    case: CaseInput,
    ruleset: str = "wanzhou",
    *,
    as_of: dt.date | None = None,
    backend: Backend | None = None,
    paths: Sequence[Path | str] = (),
) -> Decision:
    """Evaluate one case with a fresh :class:`Engine` (use an Engine to evaluate many);
    ``backend`` as for :class:`Engine`."""
    with Engine(paths, backend=backend) as engine:
        return engine.evaluate(case, ruleset=ruleset, as_of=as_of)


def check(ruleset: str, *, paths: Sequence[Path | str] = ()) -> list[Diagnostic]:
    """Every problem in a ruleset (all versions), sorted; an empty list means it is clean."""
    return Engine(paths, backend="reference").check(ruleset)
