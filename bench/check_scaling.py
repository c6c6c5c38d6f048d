"""How the time of ``rongcuo check`` grows with the number of rules, run on demand.

    python bench/check_scaling.py [--sizes 2000 4000 8000 16000] [--seed 7]

For each size it writes a generated ruleset of that many rules to a temporary folder (a local
ruleset ``scaling`` that extends the bundled ``national``, as a large local measure would) and
times (CPU seconds of this process), reading its file (``load``) and checking it (``check``: merge with
national and every semantic check), each on a fresh :class:`rongcuo.Engine`. It prints the
seconds and the ratio to the size before: about 2 per doubling is linear, 4 quadratic.

The rules look like real ones (bundled rulesets' shapes): each is a look or distinction rule
(kinds no national outcome rule aggregates, so the ruleset stays within the engine's width and
checks clean) whose condition combines two or three comparisons on facts the ruleset declares
(one new fact per eight rules: bool, enum, number), often under ``any``/``not``; one rule in four
also reads an earlier generated rule, so the rules form a graph as intermediate rules do. A
handful of situations and mitigating rules join what national aggregates. The same seed gives
the same file.

This is a measurement, not a test: the suite never runs it (times depend on the machine).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from rongcuo import Engine

LOOKS = (
    "motive_attitude",
    "objective_conditions",
    "procedure_method",
    "nature_degree",
    "consequences_impact",
    "loss_recovery",
)
DISTINCTIONS = (
    "d1_inexperience_vs_knowing",
    "d2_exploration_vs_defiance",
    "d3_unintended_vs_selfish",
)
SIZES = (2000, 4000, 8000, 16000)


def generate(n: int, seed: int = 7) -> str:
    """The YAML text of a ruleset ``scaling`` of ``n`` rules (deterministic for a seed)."""
    rnd = random.Random(seed)
    facts: list[tuple[str, str]] = []
    out = [
        "id: scaling",
        "title: 生成的规则集 generated ruleset",
        'version: "1"',
        "effective_from: 2019-01-01",
        "extends: national",
        "documents:",
        "  - {id: gen_doc, title: 《生成的文件》}",
        "facts:",
    ]
    for i in range(max(1, n // 8)):
        ftype = ("bool", "enum", "number")[i % 3]
        fid = f"gf{i}"
        facts.append((fid, ftype))
        extra = ""
        if ftype == "enum":
            extra = ", values: {a: 甲, b: 乙, c: 丙}"
        elif ftype == "number":
            extra = ", min: 0, max: 1000"
        out.append(f"  - {{id: {fid}, type: {ftype}, label: 生成的事实 {i}{extra}}}")

    def comparison(fid: str, ftype: str) -> str:
        if ftype == "bool":
            return f"{{fact: {fid}, eq: {rnd.choice(('true', 'false'))}}}"
        if ftype == "enum":
            return f"{{fact: {fid}, in: [{rnd.choice(('a', 'b'))}, c]}}"
        return f"{{fact: {fid}, {rnd.choice(('gt', 'le'))}: {rnd.randrange(1, 1000)}}}"

    out.append("rules:")
    for i in range(n):
        if i < 8:
            kind = ("situation", "mitigating")[i % 2]
            head = f"    kind: {kind}"
        elif i % 3:
            head = f"    kind: look\n    look: {rnd.choice(LOOKS)}\n    finding: " + rnd.choice(
                ("favourable", "unfavourable")
            )
        else:
            head = (
                f"    kind: distinction\n    distinction: {rnd.choice(DISTINCTIONS)}\n    side: "
                + (rnd.choice(("tolerable", "intolerable")))
            )
        # distinct facts in one rule: two comparisons on one fact could contradict (RC109)
        items = [comparison(*f) for f in rnd.sample(facts, rnd.randrange(2, 4))]
        if rnd.random() < 0.3:
            items[0] = f"not: {items[0]}"
        if i >= 16 and rnd.random() < 0.25:
            items.append(f"{{rule: g{rnd.randrange(8, i)}}}")
        form = rnd.choice(("all", "any"))
        out += [f"  - id: g{i}", head, f"    label: 生成的规则 {i}", "    when:", f"      {form}:"]
        out += [f"        - {item}" for item in items]
        out.append(f"    cite: {{doc: gen_doc, clause: 第{i + 1}条, text: 生成的条款 {i}}}")
    return "\n".join(out) + "\n"


def measure(n: int, seed: int, folder: Path) -> tuple[float, float, int]:
    """CPU seconds to load the file and to check it, and the number of errors found.

    CPU time of this process, not wall time: the machines this runs on are shared, and another
    process's load would show in wall time as growth that is not there."""
    rid_dir = folder / "scaling"
    rid_dir.mkdir(exist_ok=True)
    (rid_dir / "2019.yaml").write_text(generate(n, seed), encoding="utf-8")
    engine = Engine([folder], backend="reference")
    t0 = time.process_time()
    engine.library.versions("scaling")
    t1 = time.process_time()
    diags = engine.check("scaling")
    t2 = time.process_time()
    errors = [d for d in diags if d.severity == "error"]
    for d in errors[:3]:
        print(d.format(), file=sys.stderr)
    return t1 - t0, t2 - t1, len(errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"{'rules':>7} {'load s':>8} {'check s':>8} {'total s':>8} {'ratio':>6}  errors (CPU s)")
    before = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            load, check, errors = measure(n, args.seed, Path(tmp))
            total = load + check
            ratio = f"{total / before:6.2f}" if before else "     -"
            print(f"{n:>7} {load:8.2f} {check:8.2f} {total:8.2f} {ratio}  {errors}", flush=True)
            before = total
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
