"""The only module that imports durable_rules.

It owns one ``Host`` per compiled ruleset version (its timer threads disabled: they segfault)
with two durable rulesets: the engine rules, registered at once, and their trial copies,
registered when the first what-if trial needs them. Each keeps one session that every evaluation
uses in turn and leaves empty. After its first ``ADAPT_AFTER`` cases, an evaluator registers the
rules again with, for each rule, the value it had most often left to elimination (one fewer
engine action each time a rule has it), and deletes the first ones. It asserts each gate fact
of the compiled ruleset in turn (one or more a stratum), and turns every engine failure — a
raised error, an error code, a message of the wrong shape — into
:class:`~rongcuo.errors.EngineError`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from rongcuo.engine.durable.compile import (
    EVERY_RULE,
    GATE_TYPE,
    MAX_FACT_PROPERTIES,
    TRIAL_SUFFIX,
    Compiled,
    NumberPoints,
    claim_attr,
    compile_ruleset,
    encode_value,
    fact_attr,
    member_attr,
    number_rank,
    rule_attr,
    unknown_attr,
)
from rongcuo.engine.durable.trial_gates import Settled, TrialGates, TrialPlan
from rongcuo.engine.reference import Facts
from rongcuo.errors import EngineError
from rongcuo.ruleset.model import FactValue, Ruleset

# durable.engine calls datetime.utcfromtimestamp on every action (deprecated on 3.12).
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"durable\.engine")

import durable_rules_engine as _dre  # noqa: E402  (after the warning filter on purpose)
from durable.engine import Host as _Host  # noqa: E402

_NOT_HANDLED = 1  # durable's code for "no rule pattern takes this fact": normal for us
_EXPRESSION_LIMIT = 113  # durable's code for a rule of 32 or more expressions in a sequence
#: Cases an evaluator tallies before it chooses each rule's rails from their values (once).
ADAPT_AFTER = 256

try:
    DURABLE_VERSION = version("durable_rules")
except PackageNotFoundError:  # pragma: no cover
    DURABLE_VERSION = "unknown"


class TooWide(EngineError):
    """durable_rules refused a compiled rule as too large (its error 113)."""


def durable_evaluator(rs: Ruleset, name: str) -> DurableEvaluator:
    """An evaluator of ``rs`` that chooses its rails from the values it sees. Should durable
    refuse an unknown rail as too large (the compiler's bound is measured, not durable's own
    rule), the ruleset is compiled again with true and false rails wherever a rule can be
    unknown, as durable has always taken them."""

    def rails(limit: int | None) -> Callable[[Mapping[str, bool | None]], Compiled]:
        return lambda defaults: compile_ruleset(rs, max_unknown_tests=limit, defaults=defaults)

    try:
        recompile = rails(None)
        return DurableEvaluator(recompile({}), name, recompile=recompile)
    except TooWide:
        recompile = rails(0)
        return DurableEvaluator(recompile({}), name, recompile=recompile)


class _QuietHost(_Host):  # type: ignore[misc]
    """A Host without its timer threads. Actions are taken from the engine's queue directly
    (see ``DurableEvaluator._drain``), so the registered callables never run."""

    def _run(self) -> None:  # the background dispatch loops crash the process: never start them
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def never_called(c: Any) -> None:  # registration needs a callable with __code__
            raise EngineError(f"durable_rules ran the Python action of {action_name}")

        return never_called


_Hit = tuple[str, bool | None, str]  # rule id, value proved, its entry on the next gates


@dataclass
class _Run:
    """One evaluation inside a batch: the fixed part of each stratum's gate (``None``: no gate
    for that stratum) and the rules that gate evaluates, the rule values found so far (an
    unknown rule is left out), and the entries later gates carry."""

    gates: list[str | None]  # per stratum: ', "f_x": 1, "c_y": true, …' — facts, claims, pins
    own: Sequence[tuple[Settled, ...]]  # per stratum: its rules settled by elimination
    #: per stratum, the rules whose unknown rail its gate names (``u_<rule>``, with its entry)
    #: for the facts it lacks; those for the rule values it lacks are added as it is asserted
    maybe: list[dict[str, str]]
    values: dict[str, bool] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)  # rule id -> gate entry
    unknown: set[str] = field(default_factory=set)  # rules whose unknown rail fired


class _Engine:
    """One registered durable ruleset and the session every evaluation on it uses in turn."""

    def __init__(self, host: _Host, name: str, definition: dict[str, Any]) -> None:
        try:
            # Registration mutates the definition it is given (it deletes each rule's "run"):
            # hand it a copy of each rule's dict, which is all it changes.
            host.register_rulesets({name: {k: dict(v) for k, v in definition.items()}})
            self.handle: Any = host.get_ruleset(name)._handle
        except Exception as exc:  # durable raises bare Exception
            error = TooWide if f"error code: {_EXPRESSION_LIMIT}" in str(exc) else EngineError
            raise error(f"durable_rules rejected the compiled ruleset {name}: {exc}") from exc
        self.sessions = itertools.count(1)
        self.sid = str(next(self.sessions))
        self.acted = False  # whether an action ever ran in this session

    def close(self) -> None:
        _dre.delete_ruleset(self.handle)


class DurableEvaluator:
    """Evaluates a compiled ruleset on durable_rules.

    Safe to share between threads: durable's C core has no locks (two threads in one session
    corrupt its memory), and the evaluator keeps a session, counters and a tally of rule values
    between cases, so one lock serialises every evaluation, the re-registration after
    ``ADAPT_AFTER`` cases and ``close``. The C core never releases the GIL, so threads could not
    run in it side by side anyway: measured, 4 threads × 400 decisions took 1.8–2.6 s on one
    shared Engine (its lock) and 2.9–6.5 s on an Engine each, 2.2 s in one thread.
    """

    name = "durable_rules"
    version = DURABLE_VERSION

    def __init__(
        self,
        compiled: Compiled,
        name: str,
        *,
        recompile: Callable[[Mapping[str, bool | None]], Compiled] | None = None,
    ) -> None:
        """``recompile`` compiles the ruleset again with given defaults (see
        :func:`~rongcuo.engine.durable.compile.compile_ruleset`); with it, the evaluator
        tallies the rule values of its first ``ADAPT_AFTER`` cases and then leaves to
        elimination, for each rule, the value it had most often, so that fewer rails fire."""
        self._lock = threading.Lock()
        self._host = _QuietHost()
        self._name = name
        self._batches = itertools.count(1)
        self._generations = itertools.count(1)
        self._recompile = recompile
        self._seen = 0
        self._counts: dict[str, list[int]] = {}  # rule id -> [times false, times true]
        self._base: _Engine | None = None
        self._trials: _Engine | None = None
        self._use(compiled, name)

    def _use(self, compiled: Compiled, name: str) -> None:
        """Register ``compiled`` under ``name`` and evaluate with it from now on; the rulesets
        used until now are deleted. Nothing changes if durable refuses it."""
        if compiled.width > MAX_FACT_PROPERTIES:
            widest = max(compiled.gates, key=lambda g: g.width)
            raise EngineError(
                f"ruleset {name} needs {compiled.width} properties on one engine fact "
                f"({len(widest.facts)} facts, {len(widest.claims)} claims, "
                f"{len(widest.reads) + len(widest.own)} rules); durable_rules handles at most "
                f"{MAX_FACT_PROPERTIES}"
            )
        # The rules every case is evaluated with, registered now; their trial copies, which only
        # cases with missing facts need, as a second ruleset on first use (half the engine rules,
        # so half of durable's registration time is only spent when trials are made).
        base = _Engine(
            self._host,
            name,
            {k: v for k, v in compiled.definition.items() if not k.endswith(TRIAL_SUFFIX)},
        )
        self._close()
        self._base, self._trials, self._trials_name = base, None, name + TRIAL_SUFFIX
        self.compiled = compiled
        # The JSON of every entry a gate can carry, made once.
        self._value_json = {
            (rid, v): f', "{rule_attr(rid)}": {int(v)}'
            for rid in compiled.stratum_of
            for v in (True, False)
        }
        self._every_json = f', "{EVERY_RULE}": 1'
        self._fact_keys = {f: json.dumps(fact_attr(f)) for g in compiled.gates for f in g.facts}
        self._claim_json = {
            (c, held): f', "{claim_attr(c)}": {"true" if held else "false"}'
            for g in compiled.gates
            for c in g.claims
            for held in (True, False)
        }
        # What each engine rule's action means: the value it proves, and what the next gates
        # carry for it (nothing when no rule reads it).
        consumed = compiled.consumed
        self._hits: dict[str, _Hit] = {
            r.name: (
                r.proves[0],
                r.proves[1],
                self._value_json[r.proves[0], r.proves[1]]
                if r.proves[1] is not None and r.proves[0] in consumed
                else "",
            )
            for r in compiled.rules
        }
        self._reads = [g.reads for g in compiled.gates]
        # Per stratum, the rules with an unknown rail that each fact and each rule value read
        # by that stratum reaches, and the gate entry that has the rail evaluated.
        unknown_rails = [
            r for r in compiled.rules if r.proves[1] is None and not r.name.endswith(TRIAL_SUFFIX)
        ]
        self._maybe_json = {
            r.proves[0]: f', "{unknown_attr(r.proves[0])}": 1' for r in unknown_rails
        }
        self._maybe_of_fact: list[dict[str, tuple[str, ...]]] = []
        self._maybe_of_read: list[dict[str, tuple[str, ...]]] = []
        for gate in compiled.gates:
            rules = [r for r in unknown_rails if r.proves[0] in gate.own]
            self._maybe_of_fact.append(
                {f: tuple(r.proves[0] for r in rules if f in r.facts) for f in gate.facts}
            )
            self._maybe_of_read.append(
                {d: tuple(r.proves[0] for r in rules if d in r.reads) for d in gate.reads}
            )
        # The rules a gate settles by elimination: the value each has when neither rail fires.
        settles: dict[str, Settled] = {
            rid: (rid, value, self._value_json[rid, value] if rid in consumed else "")
            for rid, value in compiled.unless_proved.items()
        }
        self._own = [tuple(settles[r] for r in g.own if r in settles) for g in compiled.gates]
        self._gates = TrialGates(compiled, self._value_json, self._claim_json, settles)

    def close(self) -> None:
        """Free the engine's copies of the ruleset; the evaluator cannot be used afterwards."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        for engine in (self._base, self._trials):
            if engine is not None:
                engine.close()
        self._base = self._trials = None

    def _trial_engine(self) -> _Engine:
        if self._trials is None:
            if self._base is None:
                raise EngineError("this evaluator was closed")
            self._trials = _Engine(
                self._host,
                self._trials_name,
                {k: v for k, v in self.compiled.definition.items() if k.endswith(TRIAL_SUFFIX)},
            )
        return self._trials

    # --- rails chosen from the values seen --------------------------------------------------

    def _tally(self, values: dict[str, bool]) -> None:
        counts = self._counts
        for rid, value in values.items():
            found = counts.get(rid)
            if found is None:
                found = counts[rid] = [0, 0]
            found[value] += 1
        self._seen += 1
        if self._seen >= ADAPT_AFTER:
            self._adapt()

    def defaults_seen(self) -> dict[str, bool | None]:
        """Each rule's most frequent value in the cases tallied so far (false on a tie, then
        true): the value best left to elimination."""
        seen = self._seen
        out: dict[str, bool | None] = {}
        for rid in self.compiled.stratum_of:
            f, t = self._counts.get(rid, (0, 0))
            out[rid] = max((f, 2, False), (t, 1, True), (seen - f - t, 0, None))[2]
        return out

    def _adapt(self) -> None:
        """Compile the ruleset again with the rails the values seen call for, and use it (once:
        the tally stops here). The values the rules get do not depend on the rails."""
        recompile, self._recompile = self._recompile, None
        if recompile is None or self._base is None:
            return
        compiled = recompile(self.defaults_seen())
        if compiled.unless_proved == self.compiled.unless_proved:
            return
        name = f"{self._name}.{next(self._generations)}"
        with contextlib.suppress(EngineError):  # refused: keep the rails in use
            self._use(compiled, name)

    def rule_values(self, facts: Facts, claims: frozenset[str]) -> dict[str, bool]:
        """Every rule established (``True``) or ruled out (``False``); an unknown one is left
        out."""
        with self._lock:
            values = self._rule_values(facts, claims)
        for rid in self.compiled.internal:  # the compiler's own rules are never returned
            values.pop(rid, None)
        return values

    def _rule_values(self, facts: Facts, claims: frozenset[str]) -> dict[str, bool]:
        frag = self._fragments(facts)
        claim_json = self._claim_json
        every = self._every_json
        gates: list[str | None] = []
        maybe = []
        for gate, of_fact in zip(self.compiled.gates, self._maybe_of_fact, strict=True):
            lacking: dict[str, str] = {}
            gates.append(
                self._stated(gate.facts, frag, of_fact, lacking)
                + "".join(claim_json[c, c in claims] for c in gate.claims)
                + every
            )
            maybe.append(lacking)
        run = _Run(gates, self._own, maybe)
        self._evaluate(self._base, [run])
        if self._recompile is not None:
            self._tally(run.values)
        return run.values

    def trial_values(
        self,
        facts: Facts,
        claims: frozenset[str],
        base: Mapping[str, bool],
        changes: Sequence[Mapping[str, FactValue]],
        needed: frozenset[str] | None = None,
    ) -> list[dict[str, bool]]:
        """``rule_values({**facts, **change}, claims)`` for each change, in one batch.

        ``base`` must be ``rule_values(facts, claims)``. Only the rules downstream of the
        change (and, with ``needed``, upstream of a needed rule) can differ from the base
        case: a trial's gates select those rules alone (a trial copy of each engine rule
        matches only a gate that names it), and state the base values of the others they
        read. Every other rule keeps its base value, as it would when evaluated again: it reads
        exactly what it read in the base case.
        """
        with self._lock:
            internal = self.compiled.internal
            if not internal:
                return self._trial_values(facts, claims, base, changes, needed)
            # the base with the compiler's own rules, which trials read like any other
            full = self._rule_values(facts, claims)
            found = self._trial_values(facts, claims, full, changes, needed)
            return [{k: v for k, v in r.items() if k not in internal} for r in found]

    def _trial_values(
        self,
        facts: Facts,
        claims: frozenset[str],
        base: Mapping[str, bool],
        changes: Sequence[Mapping[str, FactValue]],
        needed: frozenset[str] | None,
    ) -> list[dict[str, bool]]:
        frag = self._fragments(facts)
        runs: list[_Run] = []
        plans: dict[frozenset[str], TrialPlan] = {}
        for change in changes:
            changed = frozenset(change)
            plan = plans.get(changed)
            if plan is None:
                plan = plans[changed] = self._gates.plan(changed, base, claims, needed)
            changed_frag = frag | self._fragments(change)
            gates: list[str | None] = []
            maybe = []
            for part, of_fact in zip(plan.strata, self._maybe_of_fact, strict=True):
                lacking: dict[str, str] = {}
                maybe.append(lacking)
                gates.append(
                    None
                    if part is None
                    else self._stated(part[0], changed_frag, of_fact, lacking) + part[1]
                )
            kept = dict(base)  # the rules not selected keep their base values
            for rid in plan.selected:
                kept.pop(rid, None)
            runs.append(_Run(gates, plan.own, maybe, kept))
        if runs:
            self._evaluate(self._trial_engine(), runs)
        return [r.values for r in runs]

    # --- gates ------------------------------------------------------------------------------

    def _stated(
        self,
        fact_ids: tuple[str, ...],
        frag: dict[str, str],
        of_fact: dict[str, tuple[str, ...]],
        lacking: dict[str, str],
    ) -> str:
        """The facts ``fact_ids`` of a gate that ``frag`` states; for each it lacks, the rules
        whose unknown rail that reaches go into ``lacking`` (rule id -> gate entry)."""
        maybe_json = self._maybe_json
        stated = []
        for f in fact_ids:
            found = frag.get(f)
            if found is None:
                for rid in of_fact[f]:
                    lacking[rid] = maybe_json[rid]
            else:
                stated.append(found)
        return "".join(stated)

    def _fragments(self, facts: Facts) -> dict[str, str]:
        """``', "f_x": <value>'`` for each fact some rule reads."""
        keys = self._fact_keys
        points = self.compiled.number_points
        return {
            f: _set_json(keys[f], f, v)
            if isinstance(v, frozenset)
            else f", {keys[f]}: {_json_scalar(v, points.get(f, ()))}"
            for f, v in facts.items()
            if f in keys
        }

    # --- the engine -------------------------------------------------------------------------

    def _evaluate(self, engine: _Engine | None, runs: list[_Run]) -> None:
        """Assert each run's gate of stratum 0, 1, … and collect what fires; leave the session
        empty again (every fact asserted is retracted), or abandon it on failure."""
        if engine is None:
            raise EngineError("this evaluator was closed")
        batch = next(self._batches)
        sid = engine.sid
        sent: list[str] = []
        ok = False
        try:
            for stratum, reads in enumerate(self._reads):
                taking = [(i, run) for i, run in enumerate(runs) if run.gates[stratum] is not None]
                if not taking:
                    continue
                ids = [f"{i}.{batch}.{stratum}" for i, _ in taking]
                of_read = self._maybe_of_read[stratum]
                facts = []
                for gate_id, (_, run) in zip(ids, taking, strict=True):
                    derived, values = run.derived, run.values
                    entries = []
                    lacking = run.maybe[stratum]
                    for r in reads:
                        entry = derived.get(r)
                        if entry is not None:
                            entries.append(entry)
                        elif r not in values:  # unknown (a trial states its pinned values)
                            for rid in of_read[r]:
                                lacking[rid] = self._maybe_json[rid]
                    facts.append(
                        f'{{"id": "{gate_id}", "sid": "{sid}", "t": "{GATE_TYPE}", '
                        f'"k": {stratum}{run.gates[stratum]}{"".join(entries)}'
                        f"{''.join(lacking.values())}}}"
                    )
                sent.extend(ids)
                self._assert(engine, facts, stratum, runs)
                self._settle(stratum, [run for _, run in taking])
            ok = True
        finally:
            self._retract(engine, sent, ok)

    def _assert(self, engine: _Engine, facts: list[str], stratum: int, runs: list[_Run]) -> None:
        """Assert the gates of one stratum and record what fires in each run."""
        what = f"the gate of stratum {stratum}"
        batched = len(runs) > 1
        try:
            code, offset = _dre.assert_facts(engine.handle, "[" + ", ".join(facts) + "]")
        except Exception as exc:
            raise EngineError(f"durable_rules failed asserting {what}: {exc}") from exc
        if code == _NOT_HANDLED and not batched:
            return
        # A batch reports the code of its last fact only: the others may have queued actions.
        if code not in (0, _NOT_HANDLED):
            raise EngineError(f"durable_rules returned code {code} asserting {what}")
        try:
            self._drain(engine, int(offset), runs, batched)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"durable_rules failed running stratum {stratum}: {exc}") from exc

    @staticmethod
    def _settle(stratum: int, runs: list[_Run]) -> None:
        """After a stratum: each rule it evaluated that neither rail proved has the value its
        rails leave to elimination."""
        for run in runs:
            values, unknown, derived = run.values, run.unknown, run.derived
            for rid, value, entry in run.own[stratum]:
                if rid not in values and rid not in unknown:
                    values[rid] = value
                    if entry:
                        derived[rid] = entry

    def _drain(self, engine: _Engine, offset: int, runs: list[_Run], batched: bool) -> None:
        """Take every queued action of the session, recording which rule fired in which run.

        Our actions do nothing but record their rule, so the C core's queue is drained here
        directly: durable's Python action plumbing (a JSON round trip of the session state and
        the matched facts per action) would cost more than the matching itself. An action
        message is ``{"<rule>":[{"g":<a gate as asserted>}, …]}``, one action a rule (its
        ``cap``): the rule's name, and for a batch the run index that starts each gate's id,
        are read straight from its text.
        """
        handle = engine.handle
        hits = self._hits
        complete = _dre.complete_and_start_action
        started = _dre.start_action_for_state(handle, offset)
        message = started[1] if started else None
        if message:
            engine.acted = True
        while message:
            if batched:
                name, indices = _action_of(message, True)
            else:  # the rule name, checked below, is all a single run's action says
                name, indices = message[2 : message.find('"', 2)], _ONLY_RUN
            hit = hits.get(name)
            if hit is None or not message.startswith('{"'):
                name, _ = _action_of(message, batched)  # raises on a message of another shape
                raise EngineError(f"durable_rules fired an unknown rule {name!r}")
            rid, value, entry = hit
            for i in indices:
                if i >= len(runs):
                    raise EngineError(f"durable_rules matched a gate of no run: {message[:80]}")
                run = runs[i]
                if value is None:
                    run.unknown.add(rid)
                    clash = rid in run.values
                else:
                    known = run.values.get(rid)
                    if known is None:
                        run.values[rid] = value
                        if entry:
                            run.derived[rid] = entry
                    clash = rid in run.unknown or (known is not None and known != value)
                if clash:
                    raise EngineError(
                        f"durable_rules proved two values of rule {rid}: "
                        "the compiled rules are inconsistent"
                    )
            message = complete(handle, offset)

    def _retract(self, engine: _Engine, sent: list[str], ok: bool) -> None:
        """Leave the session empty for the next case. After a failure the session may hold a
        half-taken action: it is given up (freed when that is safe) and a new one used.

        A gate is retracted by its id alone: no rule keeps a gate past the assert that matched
        it (every rule is one pattern), so there is only the session's store to clear.
        """
        clean = not sent
        if sent:
            sid = engine.sid
            ids = ", ".join(f'{{"id": "{gate_id}", "sid": "{sid}"}}' for gate_id in sent)
            # A failed cleanup must not hide the error that got us here.
            with contextlib.suppress(Exception):
                code, _ = _dre.retract_facts(engine.handle, f"[{ids}]")
                clean = code in (0, _NOT_HANDLED)
        if ok and clean:
            return
        if ok:
            raise EngineError("durable_rules failed retracting a case's facts")
        if engine.acted:
            # durable crashes deleting a session in which no action ever ran: only then.
            with contextlib.suppress(Exception):
                _dre.delete_state(engine.handle, engine.sid)
        engine.sid = str(next(engine.sessions))
        engine.acted = False


_SCALARS: dict[tuple[type, object], str] = {}  # texts and dates already written


def _json_scalar(value: FactValue, points: NumberPoints = ()) -> str:
    """A fact value as JSON, as the engine sees it: a number as its rank among its fact's
    constants ``points`` (durable's parser crashes on some ways of writing a number: see
    ``compile``, "Numbers go to the engine as ranks"), a date as its day number."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, int | float):
        if value != value:  # NaN has no rank; bind_facts refuses it (RC210) before this
            raise EngineError("durable_rules cannot compare NaN (not a number)")
        return int.__repr__(number_rank(points, value))
    key = (kind, value)
    found = _SCALARS.get(key)
    if found is None:
        if len(_SCALARS) >= 4096:  # texts take any value: stay bounded
            _SCALARS.clear()
        found = _SCALARS[key] = json.dumps(encode_value(value))
    return found


def _set_json(key: str, fact_id: str, value: frozenset[str]) -> str:
    """The value of a ``multiple`` enum fact: the fact's attribute, and one attribute for each
    value the set holds (see ``_compile.positive``)."""
    members = "".join(f", {json.dumps(member_attr(fact_id, k))}: 1" for k in sorted(value))
    return f", {key}: 1{members}"


_FRAME = '{"g":{"id": "'  # how each match in an action message starts
_FRAMES = re.compile(r'\{"g":\{"id": "(\d+)\.')  # … and the run index its gate id starts with
_ONLY_RUN = (0,)


def _action_of(message: str, batched: bool) -> tuple[str, Sequence[int]]:
    """The rule name of an action message ``{"<rule>":[{"g":{"id": "<i>.…"}}, …]}``, and the
    runs (the index that starts each matched gate's id) it fired in.

    The message holds the matched gates as they were asserted, so the name and the gates' ids
    are read straight from the text (a JSON string holds no unescaped quote, so the frame
    marker cannot occur inside a value); anything unexpected is decoded in full.
    """
    end = message.find('"', 2)
    name = message[2:end]
    if not message.startswith('{"') or end <= 2 or "\\" in name:
        return _decoded(message)
    if not batched:
        return name, _ONLY_RUN
    found = _FRAMES.findall(message, end)
    if not found or message.count(_FRAME, end) != len(found):
        return _decoded(message)
    return name, sorted(set(map(int, found)))


def _decoded(message: str) -> tuple[str, list[int]]:
    try:
        decoded = json.loads(message)
        ((name, matched),) = decoded.items()
        frames = matched if isinstance(matched, list) else [matched]
        return str(name), sorted({int(str(f["g"]["id"]).split(".")[0]) for f in frames})
    except Exception:
        raise EngineError(
            f"durable_rules sent an action message of unexpected shape: {message[:80]}"
        ) from None
