"""The only module that imports durable_rules.

It owns one ``Host`` per compiled ruleset version (its timer threads disabled: they segfault),
runs one session per case and always deletes it, drives the strata gate by gate, and turns every
engine failure — a raised error, an error code, an exception the engine swallowed into its state —
into :class:`~rongcuo._errors.EngineError`.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import warnings
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ._compile import (
    CASE_TYPE,
    DERIVED_TYPE,
    GATE_TYPE,
    Compiled,
    claim_attr,
    encode_value,
    fact_attr,
)
from ._errors import EngineError
from ._logic import Facts

# durable.engine calls datetime.utcfromtimestamp on every action (deprecated on 3.12).
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"durable\.engine")

import durable_rules_engine as _dre  # noqa: E402  (after the warning filter on purpose)
from durable.engine import Host as _Host  # noqa: E402

_NOT_HANDLED = 1  # durable's code for "no rule pattern takes this fact": normal for us

try:
    DURABLE_VERSION = version("durable_rules")
except PackageNotFoundError:  # pragma: no cover
    DURABLE_VERSION = "unknown"


class _QuietHost(_Host):  # type: ignore[misc]
    """A Host without its timer threads. Actions are taken from the engine's queue directly
    (see ``DurableEvaluator._run_actions``), so the registered callables never run."""

    def _run(self) -> None:  # the background dispatch loops crash the process: never start them
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def never_called(c: Any) -> None:  # registration needs a callable with __code__
            raise EngineError(f"durable_rules ran the Python action of {action_name}")

        return never_called


class DurableEvaluator:
    """Evaluates a compiled ruleset on durable_rules, one isolated session per case.

    Not thread-safe (neither is the engine's C core): use one evaluator per thread or process.
    """

    name = "durable_rules"
    version = DURABLE_VERSION

    def __init__(self, compiled: Compiled, name: str) -> None:
        self.compiled = compiled
        self._by_name = compiled.rule_names()
        self._fired: list[str] = []
        self._sids = itertools.count(1)
        self._host = _QuietHost()
        try:
            # Registration mutates the definition it is given: hand it a copy.
            self._host.register_rulesets({name: copy.deepcopy(compiled.definition)})
            self._ruleset: Any = self._host.get_ruleset(name)
        except Exception as exc:  # durable raises bare Exception
            raise EngineError(f"durable_rules rejected the compiled ruleset {name}: {exc}") from exc

    def close(self) -> None:
        """Free the engine's copy of the ruleset; the evaluator cannot be used afterwards."""
        if self._ruleset is not None:
            _dre.delete_ruleset(self._ruleset._handle)
            self._ruleset = None

    def rule_values(self, facts: Facts, claims: frozenset[str]) -> dict[str, bool]:
        if self._ruleset is None:
            raise EngineError("this evaluator was closed")
        sid = str(next(self._sids))
        case: dict[str, Any] = {"id": "case", "sid": sid, "t": CASE_TYPE}
        for key, value in facts.items():
            case[fact_attr(key)] = encode_value(value)
        for situation in self.compiled.claim_ids:
            case[claim_attr(situation)] = situation in claims
        values: dict[str, bool] = {}
        try:
            self._assert([case], "case")
            for stratum in range(self.compiled.strata):
                self._fired.clear()
                gate = {"id": f"g{stratum}", "sid": sid, "t": GATE_TYPE, "k": stratum}
                offset = self._assert([gate], f"gate {stratum}")
                if offset is not None:
                    self._run_actions(offset, stratum)
                derived = []
                for engine_name in self._fired:
                    rid, value = self._by_name[engine_name].proves
                    known = values.get(rid)
                    if known is None:
                        values[rid] = value
                        if (rid, value) in self.compiled.consumed:
                            derived.append(
                                {
                                    "id": f"d:{rid}",
                                    "sid": sid,
                                    "t": DERIVED_TYPE,
                                    "r": rid,
                                    "v": int(value),
                                }
                            )
                    elif known != value:
                        raise EngineError(
                            f"durable_rules proved rule {rid} both true and false "
                            f"(stratum {stratum}): the compiled rules are inconsistent"
                        )
                if derived:
                    self._assert(derived, f"rule values of stratum {stratum}")
        finally:
            self._fired.clear()
            # A failed cleanup must not hide the error that got us here.
            with contextlib.suppress(Exception):
                self._ruleset.delete_state(sid)
        return {k: v for k, v in values.items() if k not in self.compiled.auxiliary}

    def _assert(self, facts: list[dict[str, Any]], what: str) -> int | None:
        try:
            code, offset = _dre.assert_facts(self._ruleset._handle, json.dumps(facts))
        except Exception as exc:
            raise EngineError(f"durable_rules failed asserting the {what}: {exc}") from exc
        if code == _NOT_HANDLED:
            return None
        if code != 0:
            raise EngineError(f"durable_rules returned code {code} asserting the {what}")
        return int(offset)

    def _run_actions(self, offset: int, stratum: int) -> None:
        """Take every queued action of the session, recording which engine rule it belongs to.

        Our actions do nothing but record their rule, so the C core's queue is drained here
        directly: durable's Python action plumbing (a JSON round trip of the session state and
        the matched facts per action) would cost more than the matching itself.
        """
        handle = self._ruleset._handle
        try:
            started = _dre.start_action_for_state(handle, offset)
            message = started[1] if started else None
            while message:
                self._fired.append(_action_name(message))
                message = _dre.complete_and_start_action(handle, offset)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"durable_rules failed running stratum {stratum}: {exc}") from exc


def _action_name(message: str) -> str:
    """The rule name of an action message ``{"<rule name>": {...}}``, without decoding it all."""
    if message.startswith('{"'):
        end = message.find('"', 2)
        name = message[2:end]
        if end > 2 and "\\" not in name:
            return name
    decoded = json.loads(message)
    if not isinstance(decoded, dict) or len(decoded) != 1:
        raise EngineError(
            f"durable_rules sent an action message of unexpected shape: {message[:80]}"
        )
    return str(next(iter(decoded)))
