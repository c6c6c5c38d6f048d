"""The only module that imports durable_rules.

It owns one ``Host`` per compiled ruleset version (its timer threads disabled: they segfault)
with one durable ruleset, the engine rules, registered once, and one session that every
evaluation uses in turn and leaves empty. durable_rules does one job: it evaluates each case's
rule values. (The what-if trials of missing facts run on the reference evaluator.) The evaluator
asserts each gate fact of the compiled ruleset in turn (one or more a stratum), and turns every
engine failure — a raised error, an error code, a message of the wrong shape — into
:class:`~rongcuo.errors.EngineError`. Nothing is kept at module level: every cache belongs to an
evaluator.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from rongcuo.engine.durable.compile import (
    GATE_TYPE,
    Compiled,
    compile_ruleset,
    unknown_attr,
)
from rongcuo.engine.durable.limits import EVERY_RULE, MAX_FACT_PROPERTIES
from rongcuo.engine.durable.numbers import NumberPoints, number_rank
from rongcuo.engine.durable.rails import (
    claim_attr,
    encode_value,
    fact_attr,
    member_attr,
    rule_attr,
)
from rongcuo.engine.reference import Facts
from rongcuo.errors import EngineError
from rongcuo.ruleset.model import FactValue, Ruleset

# durable.engine calls datetime.utcfromtimestamp on every action (deprecated on 3.12).
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"durable\.engine")

import durable_rules_engine as _dre  # noqa: E402  (after the warning filter on purpose)
from durable.engine import Host as _Host  # noqa: E402

_NOT_HANDLED = 1  # durable's code for "no rule pattern takes this fact": normal for us
_EXPRESSION_LIMIT = 113  # durable's code for a rule of 32 or more expressions in a sequence
_SCALAR_CACHE = 4096  # texts and dates an evaluator keeps written as JSON, at most

try:
    DURABLE_VERSION = version("durable_rules")
except PackageNotFoundError:  # pragma: no cover
    DURABLE_VERSION = "unknown"


class TooWide(EngineError):
    """durable_rules refused a compiled rule as too large (its error 113)."""


def durable_evaluator(rs: Ruleset, name: str) -> DurableEvaluator:
    """An evaluator of ``rs`` on durable_rules. Should durable refuse an unknown rail as too
    large (the compiler's bound is measured, not durable's own rule), the ruleset is compiled
    again with true and false rails wherever a rule can be unknown, as durable has always taken
    them."""
    try:
        return DurableEvaluator(compile_ruleset(rs), name)
    except TooWide:
        return DurableEvaluator(compile_ruleset(rs, max_unknown_tests=0), name)


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
#: A rule a gate settles by elimination: its id, the value it has when neither rail fires,
#: and its entry on the next gates ("" when no rule reads it).
Settled = tuple[str, bool, str]


@dataclass
class _Run:
    """One evaluation: the fixed part of each stratum's gate and the rules that gate settles,
    the rule values found so far (an unknown rule is left out), and the entries later gates
    carry."""

    gates: list[str]  # per stratum: ', "f_x": 1, "c_y": true, …' — facts and claims
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
    corrupt its memory), and the evaluator keeps a session and counters between cases, so one
    lock serialises every evaluation and ``close``. The C core never releases the GIL, so
    threads could not run in it side by side anyway: measured, 4 threads × 400 decisions took 1.8–2.6 s on one
    shared Engine (its lock) and 2.9–6.5 s on an Engine each, 2.2 s in one thread.
    """

    name = "durable_rules"
    version = DURABLE_VERSION

    def __init__(self, compiled: Compiled, name: str) -> None:
        """Register ``compiled`` with durable_rules under ``name``; raises
        :class:`~rongcuo.errors.EngineError` (:class:`TooWide` for durable's error 113) when
        durable refuses it."""
        self._lock = threading.Lock()
        self._host = _QuietHost()
        self._name = name
        self._cases = itertools.count(1)
        self._scalars: dict[tuple[type, object], str] = {}  # texts and dates already written
        self._written: dict[tuple[str, type, object], str] = {}  # fact entries already written
        if compiled.width > MAX_FACT_PROPERTIES:
            widest = max(compiled.gates, key=lambda g: g.width)
            raise EngineError(
                f"ruleset {name} needs {compiled.width} properties on one engine fact "
                f"({len(widest.facts)} facts, {len(widest.claims)} claims, "
                f"{len(widest.reads) + len(widest.own)} rules); durable_rules handles at most "
                f"{MAX_FACT_PROPERTIES}"
            )
        self._engine: _Engine | None = _Engine(self._host, name, compiled.definition)
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
        unknown_rails = [r for r in compiled.rules if r.proves[1] is None]
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

    def stored_facts(self) -> list[Any]:
        """The facts durable holds in the evaluator's session: none between evaluations."""
        with self._lock:
            if self._engine is None:
                raise EngineError("this evaluator was closed")
            found = json.loads(_dre.get_facts(self._engine.handle, self._engine.sid))
        return found if isinstance(found, list) else [found]

    def close(self) -> None:
        """Free the engine's copy of the ruleset; the evaluator cannot be used afterwards."""
        with self._lock:
            if self._engine is not None:
                self._engine.close()
            self._engine = None

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
        gates: list[str] = []
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
        self._evaluate(run)
        return run.values

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
        """``', "f_x": <value>'`` for each fact some rule reads.

        Each (fact, value) is written once and kept (``_written``, bounded): a value's text
        depends on nothing else. The key holds the value's type, so that ``True`` and ``1``
        stay apart; equal numbers (0 and -0.0) have the same rank, so one text serves both."""
        written = self._written
        if len(written) >= _SCALAR_CACHE:  # texts and numbers take any value: stay bounded
            written.clear()
            self._scalars.clear()
        out = {}
        for f, v in facts.items():
            key = (f, type(v), v)
            found = written.get(key)
            if found is None:
                if f not in self._fact_keys:
                    continue
                found = written[key] = self._fragment(f, v)
            out[f] = found
        return out

    def _fragment(self, fact_id: str, value: FactValue) -> str:
        """One fact's entry on a gate."""
        key = self._fact_keys[fact_id]
        if isinstance(value, frozenset):
            return _set_json(key, fact_id, value)
        points = self.compiled.number_points.get(fact_id, ())
        return f", {key}: {_json_scalar(value, points, self._scalars)}"

    # --- the engine -------------------------------------------------------------------------

    def _evaluate(self, run: _Run) -> None:
        """Assert the case's gate of stratum 0, 1, … and collect what fires; leave the session
        empty again (every fact asserted is retracted), or abandon it on failure."""
        engine = self._engine
        if engine is None:
            raise EngineError("this evaluator was closed")
        case = next(self._cases)
        sid = engine.sid
        sent: list[str] = []
        ok = False
        derived, values = run.derived, run.values
        try:
            for stratum, reads in enumerate(self._reads):
                gate_id = f"{case}.{stratum}"
                of_read = self._maybe_of_read[stratum]
                entries = []
                lacking = run.maybe[stratum]
                for r in reads:
                    entry = derived.get(r)
                    if entry is not None:
                        entries.append(entry)
                    elif r not in values:  # unknown: the rails that can then hold are tried
                        for rid in of_read[r]:
                            lacking[rid] = self._maybe_json[rid]
                fact = (
                    f'{{"id": "{gate_id}", "sid": "{sid}", "t": "{GATE_TYPE}", '
                    f'"k": {stratum}{run.gates[stratum]}{"".join(entries)}'
                    f"{''.join(lacking.values())}}}"
                )
                sent.append(gate_id)
                self._assert(engine, fact, stratum, run)
                self._settle(stratum, run)
            ok = True
        finally:
            self._retract(engine, sent, ok)

    def _assert(self, engine: _Engine, fact: str, stratum: int, run: _Run) -> None:
        """Assert the gate of one stratum and record what fires."""
        what = f"the gate of stratum {stratum}"
        try:
            code, offset = _dre.assert_facts(engine.handle, "[" + fact + "]")
        except Exception as exc:
            raise EngineError(f"durable_rules failed asserting {what}: {exc}") from exc
        if code == _NOT_HANDLED:
            return
        if code != 0:
            raise EngineError(f"durable_rules returned code {code} asserting {what}")
        try:
            self._drain(engine, int(offset), run)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"durable_rules failed running stratum {stratum}: {exc}") from exc

    @staticmethod
    def _settle(stratum: int, run: _Run) -> None:
        """After a stratum: each rule it evaluated that neither rail proved has the value its
        rails leave to elimination."""
        values, unknown, derived = run.values, run.unknown, run.derived
        for rid, value, entry in run.own[stratum]:
            if rid not in values and rid not in unknown:
                values[rid] = value
                if entry:
                    derived[rid] = entry

    def _drain(self, engine: _Engine, offset: int, run: _Run) -> None:
        """Take every queued action of the session, recording which rule fired.

        Our actions do nothing but record their rule, so the C core's queue is drained here
        directly: durable's Python action plumbing (a JSON round trip of the session state and
        the matched facts per action) would cost more than the matching itself. An action
        message is ``{"<rule>":[{"g":<the gate as asserted>}, …]}``, one action a rule (its
        ``cap``): the rule's name is read straight from its text.
        """
        handle = engine.handle
        hits = self._hits
        complete = _dre.complete_and_start_action
        started = _dre.start_action_for_state(handle, offset)
        message = started[1] if started else None
        if message:
            engine.acted = True
        while message:
            hit = hits.get(message[2 : message.find('"', 2)])
            if hit is None or not message.startswith('{"'):
                name = _action_of(message)  # raises on a message of another shape
                raise EngineError(f"durable_rules fired an unknown rule {name!r}")
            rid, value, entry = hit
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


def _json_scalar(
    value: FactValue, points: NumberPoints, written: dict[tuple[type, object], str]
) -> str:
    """A fact value as JSON, as the engine sees it: a number as its rank among its fact's
    constants ``points`` (durable's parser crashes on some ways of writing a number: see
    ``compile``, "Numbers go to the engine as ranks"), a date as its day number. ``written``
    keeps the texts and dates already written (the evaluator's own cache)."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, int | float):
        if value != value:  # NaN has no rank; bind_facts refuses it (RC210) before this
            raise EngineError("durable_rules cannot compare NaN (not a number)")
        return int.__repr__(number_rank(points, value))
    key = (kind, value)
    found = written.get(key)
    if found is None:
        found = written[key] = json.dumps(encode_value(value))
    return found


def _set_json(key: str, fact_id: str, value: frozenset[str]) -> str:
    """The value of a ``multiple`` enum fact: the fact's attribute, and one attribute for each
    value the set holds (see ``_compile.positive``)."""
    members = "".join(f", {json.dumps(member_attr(fact_id, k))}: 1" for k in sorted(value))
    return f", {key}: 1{members}"


def _action_of(message: str) -> str:
    """The rule name of an action message ``{"<rule>":[{"g":{…}}, …]}``; raises
    :class:`~rongcuo.errors.EngineError` on a message of another shape."""
    try:
        decoded = json.loads(message)
        ((name, matched),) = decoded.items()
        for frame in matched if isinstance(matched, list) else [matched]:
            if not isinstance(frame["g"], dict):
                raise TypeError("a match is not a gate")
        return str(name)
    except Exception:
        raise EngineError(
            f"durable_rules sent an action message of unexpected shape: {message[:80]}"
        ) from None
