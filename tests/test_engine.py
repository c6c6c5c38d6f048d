"""The durable_rules wall: failures surface as EngineError, sessions are freed, API surface."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import rongcuo
from rongcuo.api import durable_installed
from rongcuo.engine.durable.compile import compile_ruleset

from .conftest import EXAMPLES, ROOT, requires_durable

if durable_installed():  # the tests of the durable wall are skipped where it is not
    from rongcuo.engine.durable import evaluator as _durable

    REAL_DRE = _durable._dre


#: The stages' packages and the top-level modules beside them (docs/architecture.md): internal,
#: not part of the public API.
STAGES = {"api", "authoring", "batch", "case", "cli", "decision", "engine", "errors", "files"}
STAGES |= {"memo", "records", "ruleset", "schemas", "service", "web", "procedure"}
STAGES |= {"assessment", "precedents"}


def test_public_api_is_exactly_all() -> None:
    names = {name for name in dir(rongcuo) if not name.startswith("_")}
    modules = {name for name in names if isinstance(getattr(rongcuo, name), types.ModuleType)}
    assert modules <= STAGES, f"not a stage of the pipeline: {sorted(modules - STAGES)}"
    assert names - modules == set(rongcuo.__all__) - {"__version__"}
    for name in rongcuo.__all__:
        assert getattr(rongcuo, name) is not None
        obj = getattr(rongcuo, name)
        if callable(obj) and name not in ("Backend", "Format", "Document"):
            assert obj.__doc__, f"{name} has no docstring"


def assert_engine_error(
    monkeypatch: pytest.MonkeyPatch, function: str, replacement: Callable[..., Any], match: str
) -> None:
    """Evaluating a case with one function of durable's C core replaced raises EngineError."""
    rs = rongcuo.Engine(backend="reference").ruleset("wanzhou", dt.date(2024, 1, 1))
    evaluator = _durable.DurableEvaluator(compile_ruleset(rs), f"patched_{function}")

    class Patched:
        def __getattr__(self, name: str) -> Any:
            return getattr(REAL_DRE, name)

    patched = Patched()
    setattr(patched, function, replacement)
    monkeypatch.setattr(_durable, "_dre", patched)
    try:
        with pytest.raises(rongcuo.EngineError, match=match):
            evaluator.rule_values({"motive": "public"}, frozenset())
    finally:
        monkeypatch.undo()
        evaluator.close()


@requires_durable
def test_engine_failures_are_raised_as_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any) -> Any:
        raise RuntimeError("boom in the C core")

    assert_engine_error(monkeypatch, "complete_and_start_action", boom, "boom in the C core")


@requires_durable
@pytest.mark.parametrize(
    ("message", "error"),
    [
        ('{"nope#T":[{"g":{"id": "0.1.0"}}]}', "unknown rule 'nope#T'"),
        ("[1, 2]", "unexpected shape"),
        ('{"a\\"b": 1}', "unexpected shape"),
    ],
)
def test_an_action_message_of_no_rule_or_another_shape_is_an_engine_error(
    monkeypatch: pytest.MonkeyPatch, message: str, error: str
) -> None:
    def garbled(*args: Any) -> Any:
        # a real action is started (the session must hold one to be given up safely), and
        # reported with the message under test
        state, _ = REAL_DRE.start_action_for_state(*args)
        return (state, message)

    assert_engine_error(monkeypatch, "start_action_for_state", garbled, error)


@requires_durable
def test_registered_python_actions_never_run() -> None:
    action = _durable._QuietHost().get_action("x#T#0")
    with pytest.raises(rongcuo.EngineError, match="x#T#0"):
        action(None)


@requires_durable
def test_closed_evaluator_refuses_work() -> None:
    rs = rongcuo.Engine(backend="reference").ruleset("national", dt.date(2024, 1, 1))
    evaluator = _durable.DurableEvaluator(compile_ruleset(rs), "closing")
    evaluator.close()
    with pytest.raises(rongcuo.EngineError, match="closed"):
        evaluator.rule_values({}, frozenset())


def test_no_rule_uses_engine_negation() -> None:
    # Every engine rule is one positive pattern on the gate of its stratum (compile.py): no
    # ``$not`` pattern (durable's negation, a pattern named ``<name>$not``), no join of several
    # patterns, and only positive tests inside the one expression. And the strata are those of
    # the rule dependencies: a rule sits one past the deepest rule it reads, and an
    # ``established`` of more than one rule reads an internal rule holding its item
    # (docs/ruleset.md §6), which is one more.
    from rongcuo.ruleset.model import (
        AllOf,
        AnyOf,
        Cond,
        Established,
        KindRef,
        Not,
        RuleRef,
        Ruleset,
    )

    positive = {"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex"}

    def operators(expr: Any) -> set[str]:
        if isinstance(expr, dict):
            return {k for k in expr if k.startswith("$")}.union(*map(operators, expr.values()))
        if isinstance(expr, list):
            return set().union(*map(operators, expr))
        return set()

    def dependency_strata(rs: Ruleset) -> dict[str, int]:
        kinds = {r.kind for r in rs.rules.values()}
        members = {k: tuple(r.id for r in rs.aggregated(k)) for k in kinds}
        depth: dict[str, int] = {}

        def level(cond: Cond) -> int:
            if isinstance(cond, RuleRef):
                return 1 + stratum(cond.rule)
            if isinstance(cond, KindRef):
                return max((1 + stratum(m) for m in members.get(cond.kind, ())), default=0)
            if isinstance(cond, Established):
                inner = level(cond.item)
                return inner if isinstance(cond.item, RuleRef) else 1 + inner
            if isinstance(cond, AllOf | AnyOf):
                return max((level(c) for c in cond.items), default=0)
            if isinstance(cond, Not):
                return level(cond.item)
            return 0  # facts, claims and presumed flags: on every gate

        def stratum(rule_id: str) -> int:
            if rule_id not in depth:
                when = rs.rules[rule_id].when
                assert when is not None
                depth[rule_id] = level(when)
            return depth[rule_id]

        return {r.id: stratum(r.id) for r in rs.rules.values() if r.when is not None}

    for rid in ("national", "wanzhou", "mianyang"):
        rs = rongcuo.Engine(backend="reference").ruleset(rid, dt.date(2024, 1, 1))
        compiled = compile_ruleset(rs)
        assert "$not" not in repr(compiled.definition)
        for rule in compiled.rules:
            patterns = compiled.definition[rule.name]["all"]
            assert [list(p) for p in patterns] == [["g"]], rule.name  # one pattern: the gate
            assert operators(patterns[0]["g"]) <= positive, rule.name
        want = dependency_strata(rs)
        assert {k: v for k, v in compiled.stratum_of.items() if k in rs.rules} == want, rid
        assert compiled.strata == max(want.values()) + 1, rid


@requires_durable
def test_many_cases_on_one_engine_free_their_sessions() -> None:
    with rongcuo.Engine() as engine:
        for _ in range(1100):  # durable allows 1024 live sessions per ruleset
            engine.evaluate(
                EXAMPLES[0], ruleset="mianyang" if EXAMPLES[0].name.startswith("my") else "wanzhou"
            )


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="backend"):
        rongcuo.Engine(backend="fast")  # type: ignore[arg-type]


@requires_durable
def test_unknown_and_false_rails_give_the_same_values() -> None:
    # Most rules have a true and an unknown rail (false when neither fires); a rule whose
    # unknown rail is too wide for durable keeps a false rail. Both kinds, and a ruleset
    # compiled with false rails only, give the reference evaluator's values.
    import random

    from rongcuo.engine.reference import Program, ReferenceEvaluator

    from .test_differential import Pair

    pair = Pair("wanzhou")
    pair.durable.close()
    compiled = compile_ruleset(pair.rs)
    settled = compiled.unless_proved
    assert 0 < len(settled) < len(compiled.stratum_of)  # both kinds are present
    assert set(settled.values()) == {False}  # false unless proved, when no default is given
    # a rail split into parts for durable's stack is named R#F.0, R#F.1, …
    names = {r.name.rstrip("~").rpartition("#")[2].partition(".")[0] for r in compiled.rules}
    assert names == {"T", "U", "F"}
    only_false = compile_ruleset(pair.rs, max_unknown_tests=0)
    assert all(r.proves[1] is not None for r in only_false.rules)  # no unknown rail at all
    reference = ReferenceEvaluator(Program.build(pair.rs))
    rnd = random.Random(7)
    evaluators = [
        _durable.DurableEvaluator(c, f"rails{i}") for i, c in enumerate([compiled, only_false])
    ]
    try:
        for _ in range(300):
            facts, claims = pair.random_case(rnd)
            want = reference.rule_values(facts, claims)
            for evaluator in evaluators:
                assert evaluator.rule_values(facts, claims) == want
    finally:
        for evaluator in evaluators:
            evaluator.close()


@requires_durable
def test_a_rail_durable_refuses_as_too_wide_falls_back_to_false_rails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rs = rongcuo.Engine(backend="reference").ruleset("wanzhou", dt.date(2024, 1, 1))
    with pytest.raises(_durable.TooWide, match="error code: 113"):
        _durable.DurableEvaluator(compile_ruleset(rs, max_unknown_tests=10**6), "too_wide")
    monkeypatch.setattr("rongcuo.engine.durable.compile.MAX_UNKNOWN_TESTS", 10**6)
    path = next(p for p in EXAMPLES if p.name.startswith("wz-01"))
    with rongcuo.Engine() as durable, rongcuo.Engine(backend="reference") as reference:
        got = durable.evaluate(path, ruleset="wanzhou")
        want = reference.evaluate(path, ruleset="wanzhou")
    assert got.model_dump(exclude={"engine"}) == want.model_dump(exclude={"engine"})


# --- where durable_rules is not installed (Python 3.13+) -------------------------------------

# Runs Python as it is where durable_rules is not installed: importing it fails.
_NO_DURABLE = (
    "import sys; sys.modules['durable_rules_engine'] = sys.modules['durable'] = None; "
    "sys.argv[0] = 'rongcuo'; "
)
_PILOT = "examples/wz-01-pilot-tolerate.yaml"


def _without_durable(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _NO_DURABLE + code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_durable_the_reference_backend_decides_and_the_decision_says_so() -> None:
    run = _without_durable(
        "import rongcuo; from rongcuo.api import durable_installed; "
        f"d = rongcuo.evaluate({_PILOT!r}, 'wanzhou'); "
        "print(durable_installed(), rongcuo.Engine().backend, d.outcome, d.engine.name)"
    )
    assert (run.returncode, run.stdout, run.stderr) == (
        0,
        "False reference tolerate reference\n",
        "",
    )


def test_without_durable_asking_for_it_is_rc302_in_python() -> None:
    run = _without_durable(
        "import rongcuo\n"
        "from rongcuo.api import BackendUnavailable\n"
        "try:\n"
        "    rongcuo.Engine(backend='durable')\n"
        "except BackendUnavailable as exc:\n"
        "    print(exc.code, isinstance(exc, rongcuo.RongcuoError))"
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "RC302 True\n", "")


@pytest.mark.parametrize("command", ["evaluate", "explain"])
def test_without_durable_backend_durable_is_a_one_line_rc302_exit_1(command: str) -> None:
    cli = "from rongcuo.cli import main; main()"
    run = _without_durable(cli, command, _PILOT, "--ruleset", "wanzhou", "--backend", "durable")
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("error RC302: 此环境未安装 durable_rules")
    assert "durable_rules is not installed here" in run.stderr
    assert "use --backend reference" in run.stderr
    same = _without_durable(cli, command, _PILOT, "--ruleset", "wanzhou")
    assert same.returncode == 0, same.stderr


@requires_durable
def test_where_durable_is_installed_it_is_the_default_backend() -> None:
    path = next(p for p in EXAMPLES if p.name.startswith("wz-01"))
    with rongcuo.Engine() as engine:
        assert engine.backend == "durable"
        assert engine.evaluate(path, ruleset="wanzhou").engine.name == "durable_rules"


def test_without_durable_batch_and_diff_default_to_the_reference_backend(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run = _without_durable(
        "import rongcuo, json, sys\n"
        f"s = rongcuo.batch({_PILOT!r}, 'wanzhou', output=sys.argv[1])\n"
        "run = json.loads(open(sys.argv[1] + '.run.json', encoding='utf-8').read())\n"
        "r = rongcuo.diff([], [], 'wanzhou', " + repr(_PILOT) + ")\n"
        "print(s.total, s.errors, run['backend'], len(r.cases))",
        str(out),
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "1 0 reference 1\n", "")
