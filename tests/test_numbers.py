"""Numbers on both backends: exponent forms, tiny and huge magnitudes, negative zero; and the
numbers no ruleset or case may hold (NaN, infinities, integers no double holds exactly).

durable_rules' C parser crashes the process on a number written with an exponent but no decimal
point, which is how Python writes ``0.00001`` (``1e-05``): these tests run durable in this
process on purpose, so a crash fails the run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import rongcuo
from rongcuo.case import file as _case
from rongcuo.engine.durable.compile import compile_ruleset
from rongcuo.engine.reference import Program, ReferenceEvaluator
from rongcuo.ruleset.model import Ruleset

from .conftest import LOCAL_HEAD, ROOT, requires_durable

EXAMPLE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
ON = dt.date(2024, 6, 1)
#: The largest integer up to which doubles hold every integer (2**53).
EXACT = 2**53

HEAD = LOCAL_HEAD


def yaml_number(x: float | int) -> str:
    """``x`` as YAML text that reads back as the same number: PyYAML (YAML 1.1) reads a float
    only with a decimal point, so ``1e-05`` is written ``1.0e-05``."""
    text = repr(x)
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    assert yaml.safe_load(text) == x and type(yaml.safe_load(text)) is type(x)
    return text


def example_with(ratio: str) -> dict[str, Any]:
    """wz-01 with ``loss_recovered_ratio`` set to the YAML text ``ratio``."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "loss_recovered_ratio: 1\n", f"loss_recovered_ratio: {ratio}\n"
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def outcome(case: dict[str, Any], backend: rongcuo.Backend, **kw: Any) -> str:
    return rongcuo.evaluate(case, "wanzhou", backend=backend, **kw).outcome


def case_errors(case: dict[str, Any] | Path, ruleset: str = "wanzhou", **kw: Any) -> list[Any]:
    with pytest.raises(rongcuo.CaseError) as err:
        rongcuo.evaluate(case, ruleset, backend="reference", **kw)
    return err.value.diagnostics


# --- durable evaluates every finite number as the reference does ----------------------------


@requires_durable
@pytest.mark.parametrize("ratio", ["0.00001", "1.0e-05", "5.0e-324", "1.0e-300", "-0.0", "0.5"])
def test_exponent_form_float_evaluates_on_durable(ratio: str) -> None:
    case = example_with(ratio)
    assert outcome(case, "durable") == outcome(case, "reference") == "tolerate"


@requires_durable
def test_exponent_form_fact_value_evaluates_on_durable_in_a_fresh_process(tmp_path: Path) -> None:
    # the reproduction, as a user runs it: it used to end with signal 11 (exit 139)
    path = tmp_path / "f1.yaml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "loss_recovered_ratio: 1\n", "loss_recovered_ratio: 0.00001\n"
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "rongcuo.cli", "evaluate", str(path), "--ruleset", "wanzhou"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "tolerate" in done.stdout


@requires_durable
def test_batch_of_two_workers_finishes_with_an_exponent_form_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    for name, ratio in (("a", "0.00001"), ("b", "1"), ("c", "1.0e-300")):
        (cases / f"{name}.yaml").write_text(
            yaml.safe_dump(example_with(ratio) | {"id": f"N-{name}"}, allow_unicode=True),
            encoding="utf-8",
        )
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rongcuo.cli",
            "batch",
            str(cases),
            "--ruleset",
            "wanzhou",
            "-j",
            "2",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    outcomes = {r["case_id"]: r["outcome"] for r in records}
    assert outcomes == {"N-a": "tolerate", "N-b": "tolerate", "N-c": "tolerate"}


def write_local(tmp_path: Path, body: str, extends: str = "national") -> Path:
    """``<tmp>/rulesets/local/1.yaml``: HEAD (extending ``extends``) and ``body``."""
    folder = tmp_path / "rulesets" / "local"
    folder.mkdir(parents=True, exist_ok=True)
    head = textwrap.dedent(HEAD).lstrip("\n").replace("extends: national", f"extends: {extends}")
    (folder / "1.yaml").write_text(head + textwrap.dedent(body), encoding="utf-8")
    return tmp_path / "rulesets"


RATIO_RULE = """
rules:
  - id: barely_recovered
    kind: mitigating
    label: 挽回了一点
    when: {{fact: loss_recovered_ratio, {op}: {value}}}
    cite: {{doc: doc, clause: 一, text: 一}}
"""


def rule_value(engine: rongcuo.Engine, ratio: float) -> str:
    """The value of ``barely_recovered`` for wz-01 with ``loss_recovered_ratio: ratio``."""
    case = example_with(yaml_number(ratio))
    (step,) = [
        s for s in engine.evaluate(case, ruleset="local").trace if s.rule == "barely_recovered"
    ]
    return step.value


@requires_durable
@pytest.mark.parametrize("constant", ["0.00001", "1.0e-05", "1.0e-300", "5.0e-324", "-0.0"])
def test_exponent_form_constant_evaluates_on_durable(tmp_path: Path, constant: str) -> None:
    paths = write_local(tmp_path, RATIO_RULE.format(op="gt", value=constant), "wanzhou")
    assert rongcuo.check("local", paths=[paths]) == []
    c = yaml.safe_load(constant)
    with (
        rongcuo.Engine([paths], backend="durable") as durable,
        rongcuo.Engine([paths], backend="reference") as reference,
    ):
        held = rule_value(reference, 1.0)
        for ratio in (0.0, c, math.nextafter(c, 1), 0.5):
            expected = rule_value(reference, ratio)
            assert rule_value(durable, ratio) == expected, ratio
            assert (expected == held) == (ratio > c), ratio


@requires_durable
def test_negative_zero_equals_zero_on_both_backends(tmp_path: Path) -> None:
    paths = write_local(tmp_path, RATIO_RULE.format(op="eq", value="-0.0"), "wanzhou")
    assert rongcuo.check("local", paths=[paths]) == []
    for backend in ("durable", "reference"):
        with rongcuo.Engine([paths], backend=backend) as engine:
            held = rule_value(engine, 0)
            assert rule_value(engine, 0.0) == held
            assert rule_value(engine, -0.0) == held
            assert rule_value(engine, 5e-324) != held


# --- what no case may hold ---------------------------------------------------------------


@pytest.mark.parametrize("ratio", [".nan", ".NaN", ".inf", "-.inf", "1.0e+400"])
def test_non_finite_fact_value_is_rc210(ratio: str) -> None:
    (diag,) = case_errors(example_with(ratio))
    assert diag.code == "RC210"
    assert diag.location.path == ("facts", "loss_recovered_ratio")
    assert "有限" in diag.message_zh and "finite" in diag.message_en


def test_nan_fact_value_in_a_file_is_located_rc210(tmp_path: Path) -> None:
    path = tmp_path / "nan.yaml"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "loss_recovered_ratio: 1\n", "loss_recovered_ratio: .nan\n"
        ),
        encoding="utf-8",
    )
    (diag,) = case_errors(path)
    assert (diag.code, diag.location.line, diag.location.column) == ("RC210", 39, 25)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_number_read_from_json_is_rc210(text: str) -> None:
    # what a JSON reader gives for these (Python's json reads NaN and Infinity as floats): the
    # check is on the value, whatever parsed it
    data = json.loads(
        json.dumps(example_with("1")).replace(
            '"loss_recovered_ratio": 1', f'"loss_recovered_ratio": {text}'
        )
    )
    assert not math.isfinite(data["facts"]["loss_recovered_ratio"])
    (diag,) = case_errors(data)
    assert diag.code == "RC210"


def json_case(tmp_path: Path, ratio: str) -> Path:
    """wz-01 as a JSON file, ``loss_recovered_ratio`` written as the JSON text ``ratio``."""
    text = json.dumps(example_with("1"), ensure_ascii=False, default=str)
    path = tmp_path / "case.json"
    path.write_text(
        text.replace('"loss_recovered_ratio": 1', f'"loss_recovered_ratio": {ratio}'),
        encoding="utf-8",
    )
    return path


@requires_durable
@pytest.mark.parametrize("ratio", ["1e-05", "1E-5", "5e-324", "0.5e-300"])
def test_exponent_form_number_of_a_json_case_evaluates_on_durable(
    tmp_path: Path, ratio: str
) -> None:
    path = json_case(tmp_path, ratio)
    durable = rongcuo.evaluate(path, "wanzhou", backend="durable")
    reference = rongcuo.evaluate(path, "wanzhou", backend="reference")
    assert durable.outcome == reference.outcome == "tolerate"
    assert durable.trace == reference.trace


@pytest.mark.parametrize("ratio", ["1e400", "-1E+400"])
def test_json_number_past_a_double_is_located_rc210(tmp_path: Path, ratio: str) -> None:
    (diag,) = case_errors(json_case(tmp_path, ratio))
    assert (diag.code, diag.location.path) == ("RC210", ("facts", "loss_recovered_ratio"))
    assert diag.location.line == 1 and diag.location.column > 1


def test_non_finite_value_of_a_fact_with_no_bounds_is_rc210() -> None:
    # loss_yuan has a lower bound only: +inf passed it, NaN passes every bound
    for value in (math.inf, math.nan):
        case = example_with("1")
        case["facts"]["loss_yuan"] = value
        (diag,) = case_errors(case)
        assert (diag.code, diag.location.path) == ("RC210", ("facts", "loss_yuan"))


@pytest.mark.parametrize(
    "value", [10**400, EXACT + 1, 10**17 + 1], ids=["10**400", "2**53+1", "10**17+1"]
)
def test_integer_no_double_holds_is_rc211(value: int) -> None:
    case = example_with("1")
    case["facts"]["loss_yuan"] = value
    (diag,) = case_errors(case)
    assert (diag.code, diag.location.path) == ("RC211", ("facts", "loss_yuan"))
    assert "2^53" in diag.hint


def test_integers_doubles_hold_are_numbers() -> None:
    for value in (EXACT, 10**16, 2**60, 10**22):
        case = example_with("1")
        case["facts"]["loss_yuan"] = value
        assert outcome(case, "reference") == "tolerate"


# --- what no ruleset may hold ------------------------------------------------------------


NUMBER_FACT = """
facts:
  - {{id: x, type: number, label: 数{bounds}}}
rules:
  - id: r
    kind: mitigating
    label: 规则
    when: {when}
    cite: {{doc: doc, clause: 一, text: 一}}
"""


def ruleset_diags(tmp_path: Path, bounds: str = "", when: str = "{fact: x, gt: 0}") -> list[Any]:
    paths = write_local(tmp_path, NUMBER_FACT.format(bounds=bounds, when=when))
    return rongcuo.check("local", paths=[paths])


@pytest.mark.parametrize(
    ("bounds", "when", "column"),
    [
        (", min: .nan", "{fact: x, gt: 0}", 42),
        (", max: .inf", "{fact: x, gt: 0}", 42),
        (", min: -.inf", "{fact: x, gt: 0}", 42),
        ("", "{fact: x, gt: .nan}", 25),
        ("", "{fact: x, le: 1.0e+400}", 25),
        ("", "{fact: x, in: [1, .nan]}", 29),
    ],
)
def test_non_finite_number_in_a_ruleset_is_rc124(
    tmp_path: Path, bounds: str, when: str, column: int
) -> None:
    (diag,) = ruleset_diags(tmp_path, bounds, when)
    assert diag.code == "RC124"
    assert diag.location.line == (10 if bounds else 15)
    assert diag.location.column == column
    assert "有限" in diag.message_zh and "finite" in diag.message_en


@pytest.mark.parametrize(
    ("bounds", "when"),
    [
        ("", "{fact: x, gt: " + str(10**400) + "}"),
        ("", "{fact: x, ne: " + str(EXACT + 1) + "}"),
        ("", "{fact: x, in: [0, " + str(-(10**30) - 1) + "]}"),
        (", max: " + str(10**400), "{fact: x, gt: 0}"),
    ],
    ids=["gt-10**400", "ne-2**53+1", "in-(-10**30-1)", "max-10**400"],
)
def test_integer_no_double_holds_in_a_ruleset_is_rc125(
    tmp_path: Path, bounds: str, when: str
) -> None:
    (diag,) = ruleset_diags(tmp_path, bounds, when)
    assert diag.code == "RC125"
    assert diag.location.line == (10 if bounds else 15)
    assert "2^53" in diag.hint


def test_huge_step_is_rc125(tmp_path: Path) -> None:
    body = f"""
    rules:
      - id: r
        kind: outcome
        label: 规则
        outcome: tolerate
        step: {10**400}
        when: {{fact: loss_yuan, gt: 0}}
        cite: {{doc: doc, clause: 一, text: 一}}
    """
    paths = write_local(tmp_path, body)
    diags = rongcuo.check("local", paths=[paths])
    assert [(d.code, d.location.line) for d in diags if d.severity == "error"] == [("RC125", 14)]


def test_tiny_constants_leave_the_region_between_them_satisfiable(tmp_path: Path) -> None:
    # the checker samples a value between two constants; rounded to six decimals, the sample
    # between 1e-7 and 2e-7 was 0 and the rule was reported as never holding (RC109)
    when = "{all: [{fact: x, gt: 1.0e-07}, {fact: x, lt: 2.0e-07}]}"
    assert ruleset_diags(tmp_path, "", when) == []


# --- property: both backends, every finite number -----------------------------------------


FINITE = st.floats(allow_nan=False, allow_infinity=False)
EXACT_INTS = st.integers(-EXACT, EXACT)
CONSTANT = st.one_of(
    FINITE,
    EXACT_INTS,
    st.sampled_from([0, 0.0, -0.0, 1e-05, 1e16, 5e-324, -5e-324, 2.2250738585072014e-308]),
    st.floats(min_value=1e-300, max_value=1e300).map(lambda x: x * 1.0),
)
OPS = ("eq", "ne", "lt", "le", "gt", "ge")
_COUNTER = itertools.count()


def compare(value: float, op: str, constant: float) -> bool:
    return {
        "eq": value == constant,
        "ne": value != constant,
        "lt": value < constant,
        "le": value <= constant,
        "gt": value > constant,
        "ge": value >= constant,
    }[op]


#: A ruleset of its own (no ``extends``: national takes most of the time to load), with the
#: outcomes every ruleset declares and one outcome rule.
SYNTHETIC = """\
id: local
title: 数值测试规则集
version: "1"
effective_from: 2020-01-01
documents:
  - {id: doc, title: 测试文件}
outcomes:
  - {id: tolerate, label: 容错}
  - {id: mitigate, label: 从轻}
  - {id: not_tolerate, label: 不予容错}
  - {id: insufficient_facts, label: 事实不清}
  - {id: refer, label: 提请认定}
facts:
  - {id: x, type: number, label: 数, min: LOW, max: HIGH}
rules:
  - {id: order, kind: outcome, step: 1, outcome: tolerate, label: 结论, when: {rule: r_in},
     cite: {doc: doc, clause: 一, text: 一}}
"""


def synthetic_ruleset(root: Path, constants: list[float], bounds: tuple[float, float]) -> Ruleset:
    """A ruleset with one number fact ``x`` in ``bounds``, one rule for each comparison with
    each constant, and ``in`` over them all."""
    rules = [
        f"  - {{id: r{i}_{op}, kind: mitigating, label: 规则, "
        f"when: {{fact: x, {op}: {yaml_number(c)}}}, cite: {{doc: doc, clause: 一, text: 一}}}}"
        for i, c in enumerate(constants)
        for op in OPS
    ]
    listed = ", ".join(yaml_number(c) for c in constants)
    rules.append(
        f"  - {{id: r_in, kind: mitigating, label: 规则, when: {{fact: x, in: [{listed}]}}, "
        "cite: {doc: doc, clause: 一, text: 一}}"
    )
    low, high = bounds
    text = SYNTHETIC.replace("LOW", yaml_number(low)).replace("HIGH", yaml_number(high))
    folder = root / "rulesets" / "local"
    folder.mkdir(parents=True)
    (folder / "1.yaml").write_text(text + "\n".join(rules) + "\n", encoding="utf-8")
    # the ruleset is checked as it is resolved: an error (RC109 …) raises here
    return rongcuo.Engine([root / "rulesets"], backend="reference").ruleset("local", ON)


def beyond(x: float, side: int) -> float:
    """A number past ``x`` on ``side`` (-1 below, 1 above): by ``|x| + 1``, or by one double
    where that overflows."""
    y = float(x) + side * (abs(x) + 1.0)
    return y if math.isfinite(y) else math.nextafter(x, side * math.inf)


def near(x: float) -> list[float]:
    return [x, math.nextafter(x, -math.inf), math.nextafter(x, math.inf)]


@requires_durable
@settings(
    max_examples=60,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    constants=st.lists(CONSTANT, min_size=1, max_size=3),
    extra=st.lists(st.one_of(FINITE, EXACT_INTS), max_size=4),
)
def test_both_backends_compare_every_finite_number_alike(
    tmp_path_factory: pytest.TempPathFactory, constants: list[float], extra: list[float]
) -> None:
    # bounds beyond every constant, so that each rule can hold (or check says RC109)
    assume(all(abs(c) < sys.float_info.max for c in constants))
    low, high = beyond(min(constants), -1), beyond(max(constants), 1)
    rs = synthetic_ruleset(tmp_path_factory.mktemp("numbers"), constants, (low, high))
    from rongcuo.engine.durable.evaluator import (
        DurableEvaluator,
    )  # here: durable_rules is absent on 3.13+

    reference = ReferenceEvaluator(Program.build(rs))
    durable = DurableEvaluator(compile_ruleset(rs), f"numbers_{next(_COUNTER)}")
    values = [v for c in [*constants, low, high, *extra] for v in near(c) if math.isfinite(v)]
    try:
        for value in values:
            facts = {"x": value}
            # the bounds are checked where a case's facts are bound: outside them, RC203
            if not low <= value <= high:
                with pytest.raises(rongcuo.CaseError) as err:
                    bind(rs, value)
                assert [d.code for d in err.value.diagnostics] == ["RC203"]
                continue
            assert bind(rs, value) == facts
            expected = reference.rule_values(facts, frozenset())
            assert durable.rule_values(facts, frozenset()) == expected, value
            for i, c in enumerate(constants):
                for op in OPS:
                    assert expected[f"r{i}_{op}"] is compare(value, op, c), (value, op, c)
            assert expected["r_in"] is (value in constants)
    finally:
        durable.close()


def bind(rs: Ruleset, value: float) -> dict[str, Any]:
    source = _case.CaseSource("<property>")
    raw = {"id": "P-1", "title": "性质", "incident_date": "2024-03-18", "facts": {"x": value}}
    return dict(_case.bind_facts(_case.parse_case(raw, source), rs, source))
