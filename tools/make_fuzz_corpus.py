"""Write the fuzz corpus (``tests/fuzz/``): malformed rulesets, case files and templates.

Every entry is an input rongcuo must *reject*: ``tests/test_fuzz.py`` runs each one through the
command line and expects exit 1 (or 2 for a usage error), a located diagnostic with a code, no
traceback, no file left behind and no hang. See ``docs/fuzz.md``.

The entries are mutations of the bundled good inputs (``rulesets/wanzhou``, ``rulesets/national``,
``examples/*.yaml``, ``src/rongcuo/memo/templates/*``) plus hand-written hostile classes
(alias bombs, sandbox escapes, ...). The script is seeded and deterministic: running it again
gives the same bytes, so the corpus is committed and a test compares it with a fresh run::

    python tools/make_fuzz_corpus.py            # rewrite tests/fuzz/
    python tools/make_fuzz_corpus.py --check    # exit 1 if tests/fuzz/ differs from a fresh run

Layout: ``tests/fuzz/manifest.jsonl`` has one JSON object a line::

    {"id": "rs-tab-01", "class": "ruleset/yaml-syntax/tab", "args": ["check", "{entry}/..."],
     "exit": 1, "located": true, "setup": {}, "note": "..."}

and ``tests/fuzz/<id>/`` holds that entry's files. In ``args``, ``{entry}`` is the entry's
folder, ``{root}`` the repository and ``{work}`` the fresh, empty working folder the test runs the
command in (outputs go there). ``setup`` names things git cannot store, made in ``{work}`` before
the run: empty folders (``mkdir``), FIFOs (``mkfifo``) and symbolic links (``symlink``).
"""

from __future__ import annotations

import copy
import io
import json
import random
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fuzz"
SEED = 20261212
TEMPLATES = ROOT / "src" / "rongcuo" / "memo" / "templates"

# Cases whose outcome picks the template a memo entry breaks (first line of each says so).
TOLERATE_CASE = "{root}/examples/wz-01-pilot-tolerate.yaml"
INSUFFICIENT_CASE = "{root}/examples/wz-08-motive-unknown-insufficient.yaml"
# After every example's incident date (else RC209 would hide the error an entry is about).
AS_OF = ["--as-of", "2025-03-25"]

Setup = dict[str, Any]


@dataclass
class Entry:
    """One corpus entry: its files, the command that must reject it, and what to expect."""

    id: str
    cls: str
    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    exit: int = 1
    located: bool = True
    setup: Setup = field(default_factory=dict)
    note: str = ""

    def manifest(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "class": self.cls,
            "args": self.args,
            "exit": self.exit,
            "located": self.located,
            "setup": self.setup,
            "note": self.note,
        }


class Corpus:
    """Collects entries, numbering each class's entries and checking ids are unique."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._count: dict[str, int] = {}

    def new_id(self, prefix: str, slug: str) -> str:
        key = f"{prefix}-{slug}"
        self._count[key] = self._count.get(key, 0) + 1
        return f"{key}-{self._count[key]:02d}"

    def add(self, entry: Entry) -> None:
        assert all(e.id != entry.id for e in self.entries), entry.id
        self.entries.append(entry)


def rng_for(name: str) -> random.Random:
    """One generator per class, so adding a class never changes another class's entries."""
    return random.Random(f"{SEED}:{name}")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def dump(data: Any, raw: dict[str, str] | None = None) -> bytes:
    """YAML text of ``data``; each ``@@name@@`` string is then replaced by ``raw[name]`` verbatim."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=4096)
    for name, value in (raw or {}).items():
        token = f"@@{name}@@"
        assert token in text, token
        text = text.replace(f"'{token}'", value).replace(token, value)
    return text.encode("utf-8")


def yaml_rejects(text: str) -> bool:
    """Whether PyYAML's safe loader refuses the text (rongcuo's loader is stricter still)."""
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return True
    return False


# ----------------------------------------------------------------------------- bases

WZ_TEXT = read(ROOT / "rulesets" / "wanzhou" / "2018.yaml")
NAT_TEXT = read(ROOT / "rulesets" / "national" / "2019.yaml")
# The data-level mutations start from wanzhou cut to its first nine situations (the ninth is the
# one that replaces a national rule): each entry stays small and still extends national.
WZ: dict[str, Any] = yaml.safe_load(WZ_TEXT)
WZ["rules"] = WZ["rules"][:9]
assert WZ["rules"][8].get("replaces") is True
NAT: dict[str, Any] = yaml.safe_load(NAT_TEXT)
WZ_CASES = sorted((ROOT / "examples").glob("wz-*.yaml"))
MY_CASES = sorted((ROOT / "examples").glob("my-*.yaml"))

# Hand-written rules of the kinds wanzhou itself does not have, appended to a copy of it so a
# mutation can break a kind-specific key (step, look, finding, distinction, side, ...).
EXTRA_RULES: dict[str, dict[str, Any]] = {
    "outcome": {
        "id": "order_fuzz",
        "kind": "outcome",
        "outcome": "mitigate",
        "step": 8,
        "label": "模糊测试结论规则",
        "when": {"rule": "pilot_reform_deviation"},
        "cite": {"doc": "wz_measures", "clause": "第五条", "text": "模糊测试"},
    },
    "look": {
        "id": "look_fuzz",
        "kind": "look",
        "look": "motive_attitude",
        "finding": "favourable",
        "label": "模糊测试六看规则",
        "when": {"fact": "motive", "eq": "public"},
        "cite": {"doc": "wz_measures", "clause": "第五条", "text": "模糊测试"},
    },
    "distinction": {
        "id": "distinction_fuzz",
        "kind": "distinction",
        "distinction": "d1_inexperience_vs_knowing",
        "side": "tolerable",
        "label": "模糊测试区分规则",
        "when": {"fact": "intent", "eq": "negligence"},
        "cite": {"doc": "wz_measures", "clause": "第五条", "text": "模糊测试"},
    },
    "mitigating": {
        "id": "mitigating_fuzz",
        "kind": "mitigating",
        "label": "模糊测试从轻情形",
        "when": {"fact": "self_reported", "eq": True},
        "cite": {"doc": "wz_measures", "clause": "第五条", "text": "模糊测试"},
    },
    "precondition": {
        "id": "precondition_fuzz",
        "kind": "precondition",
        "pairs_with": "private_gain",
        "label": "模糊测试容错条件",
        "when": {"fact": "cooperated", "eq": True},
        "cite": {"doc": "wz_measures", "clause": "第五条", "text": "模糊测试"},
    },
}

EXTRA_DECLS: dict[str, dict[str, Any]] = {
    "looks": {"id": "fuzz_look", "label": "看模糊测试", "question": "是否？"},
    "distinctions": {
        "id": "fuzz_distinction",
        "label": "模糊测试区分",
        "tolerable": "可容",
        "intolerable": "不容",
    },
    "outcomes": {"id": "fuzz_outcome", "label": "模糊测试结论"},
    "procedure": {
        "id": "apply",
        "label": "提出申请",
        "time_limit": {"working_days": 5, "from": "inquiry_notified"},
        "cite": {"doc": "wz_measures", "clause": "第八条", "text": "五个工作日内"},
    },
}


def wz_with(kind: str | None = None, decl: str | None = None) -> dict[str, Any]:
    """A deep copy of wanzhou, with one extra rule of ``kind`` or one extra declaration."""
    data = copy.deepcopy(WZ)
    if kind is not None:
        data["rules"].append(copy.deepcopy(EXTRA_RULES[kind]))
    if decl is not None:
        data.setdefault(decl, []).append(copy.deepcopy(EXTRA_DECLS[decl]))
    return data


def set_path(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def del_path(data: Any, path: tuple[Any, ...]) -> None:
    for key in path[:-1]:
        data = data[key]
    del data[path[-1]]


def last(data: dict[str, Any], section: str) -> int:
    return len(data[section]) - 1


# ----------------------------------------------------------------------------- commands


def check_rs(rid: str = "wanzhou") -> list[str]:
    return ["check", f"{{entry}}/rulesets/{rid}"]


def eval_rs(rid: str = "wanzhou", backend: str = "durable") -> list[str]:
    return [
        "evaluate",
        TOLERATE_CASE,
        "--ruleset",
        f"{{entry}}/rulesets/{rid}",
        "--backend",
        backend,
    ]


def eval_case(
    name: str = "case.yaml", ruleset: str = "wanzhou", backend: str = "durable"
) -> list[str]:
    return ["evaluate", f"{{entry}}/{name}", "--ruleset", ruleset, "--backend", backend]


def memo_tpl(fmt: str, case: str = TOLERATE_CASE) -> list[str]:
    args = ["memo", case, "--ruleset", "wanzhou", *AS_OF, "--template-dir", "{entry}/tpl"]
    args += ["--format", fmt]
    if fmt in ("docx", "pdf"):
        args += ["-o", f"{{work}}/memo.{fmt}"]
    return args


# ----------------------------------------------------------------------------- rulesets


def ruleset_entry(
    c: Corpus,
    slug: str,
    cls: str,
    body: bytes,
    note: str,
    *,
    rid: str = "wanzhou",
    version: str = "2018",
    evaluate: bool = False,
    located: bool = True,
) -> None:
    """A ruleset folder holding one broken version file, checked (and maybe evaluated)."""
    files = {f"rulesets/{rid}/{version}.yaml": body}
    first = c.new_id("rs", slug)
    c.add(Entry(first, f"ruleset/{cls}", check_rs(rid), files, located=located, note=note))
    if evaluate:
        # The evaluate entries read the check entry's folder: same bytes, stored once.
        for backend in ("durable", "reference"):
            eid = c.new_id("rs-eval", slug)
            args = [a.replace("{entry}", f"{{corpus}}/{first}") for a in eval_rs(rid, backend)]
            c.add(
                Entry(
                    eid,
                    f"ruleset/{cls}",
                    args,
                    located=located,
                    note=f"{note} (evaluate, {backend})",
                )
            )


def yaml_syntax_mutations(text: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """(slug, mutated text, note) for indent, quote, tab, flow and colon breaks of ``text``."""
    lines = text.split("\n")
    nested = [i for i, ln in enumerate(lines) if ln.startswith("    ") and ln.strip()]
    keyed = [i for i, ln in enumerate(lines) if re.match(r"^\s*(- )?[a-z_]+: \S", ln)]
    flows = [i for i, ln in enumerate(lines) if "{" in ln and "}" in ln]
    out: list[tuple[str, str, str]] = []

    def pick(pool: list[int], mutate: Callable[[str], str], slug: str, what: str, n: int) -> None:
        tried = 0
        order = pool[:]
        rng.shuffle(order)
        for i in order:
            if tried == n:
                break
            new = lines[:]
            new[i] = mutate(new[i])
            mutated = "\n".join(new)
            if yaml_rejects(mutated):
                out.append((slug, mutated, f"{what} at line {i + 1}"))
                tried += 1

    pick(nested, lambda ln: ln[1:], "indent", "one space less indentation", 3)
    pick(
        keyed,
        lambda ln: " " + ln if not ln.startswith(" ") else ln + "\n   bad: x",
        "indent",
        "a line indented out of place",
        1,
    )
    pick(keyed, lambda ln: ln.replace(": ", ': "', 1), "quote", "an unclosed double quote", 2)
    pick(keyed, lambda ln: ln.replace(": ", ": '", 1), "quote", "an unclosed single quote", 1)
    pick(nested, lambda ln: "\t" + ln.lstrip(" "), "tab", "a tab as indentation", 3)
    pick(flows, lambda ln: ln.replace("}", "", 1), "flow", "an unclosed flow mapping", 2)
    pick(flows, lambda ln: ln.replace("{", "[", 1), "flow", "a flow mapping opened as a list", 1)
    pick(keyed, lambda ln: ln.replace(": ", ": : ", 1), "colon", "a stray colon", 1)
    pick(keyed, lambda ln: ln + " &", "anchor", "an anchor without a name", 1)
    pick(keyed, lambda ln: ln.replace(": ", ": *nosuch ", 1), "alias", "an alias to no anchor", 1)
    return out


def rulesets_syntax(c: Corpus) -> None:
    rng = rng_for("ruleset-syntax")
    for base, rid, version in ((WZ_TEXT, "wanzhou", "2018"), (NAT_TEXT, "national", "2019")):
        muts = yaml_syntax_mutations(base, rng)
        if rid == "national":
            muts = muts[::4]  # national is four times larger: a quarter of the classes is enough
        for slug, text, note in muts:
            ruleset_entry(
                c,
                slug,
                f"yaml-syntax/{slug}",
                text.encode("utf-8"),
                f"{rid}: {note}",
                rid=rid,
                version=version,
            )
    # An undefined alias, a bad escape, a document end followed by junk.
    for slug, text, note in (
        (
            "alias",
            WZ_TEXT.replace("extends: national", "extends: *nosuch"),
            "an alias to an anchor that is not defined",
        ),
        (
            "escape",
            WZ_TEXT.replace("title: 万州区容错纠错实施办法", 'title: "万州\\q区"'),
            "an unknown escape in a double-quoted string",
        ),
        ("docs", WZ_TEXT + "\n---\nid: second\n", "two YAML documents in one file"),
        ("junk", WZ_TEXT + "\n...\n]]]\n", "junk after the document end marker"),
    ):
        ruleset_entry(c, slug, f"yaml-syntax/{slug}", text.encode("utf-8"), note)


# Each field kind of a ruleset, with wrong-typed values to try. (path, extra kind, decl, values)
WRONG_TYPES: list[tuple[str, tuple[Any, ...], str | None, str | None, list[Any]]] = [
    ("id", ("id",), None, None, [2018, ["wanzhou"], None]),
    ("title", ("title",), None, None, [["a"], {"a": 1}, None, 12]),
    ("version", ("version",), None, None, [2018, 2018.5, ["2018"], True]),
    ("effective_from", ("effective_from",), None, None, ["soon", 20180101, ["2018-01-01"], None]),
    ("effective_until", ("effective_until",), None, None, ["never", 2030, True]),
    ("jurisdiction", ("jurisdiction",), None, None, [{"a": 1}, ["x"]]),
    ("description", ("description",), None, None, [["a", "b"], 3]),
    ("extends", ("extends",), None, None, [5, ["national"], {"id": "national"}]),
    ("documents", ("documents",), None, None, [{"id": "x"}, "wz_measures"]),
    ("document-id", ("documents", 0, "id"), None, None, [7, None]),
    ("document-title", ("documents", 0, "title"), None, None, [None, ["t"]]),
    ("document-date", ("documents", 0, "date"), None, None, ["someday", 2018]),
    ("facts", ("facts",), None, None, [{"x": 1}, "backlash"]),
    ("fact-type", ("facts", 0, "type"), None, None, ["string", 1, None, ["bool"]]),
    ("fact-label", ("facts", 0, "label"), None, None, [["a"], None]),
    ("fact-looks", ("facts", 0, "looks"), None, None, ["objective_conditions", 3]),
    ("fact-question", ("facts", 0, "question"), None, None, [{"q": 1}]),
    ("rules", ("rules",), None, None, [{"id": "x"}, "pilot"]),
    ("rule-kind", ("rules", 0, "kind"), None, None, [1, ["situation"], None]),
    ("rule-label", ("rules", 0, "label"), None, None, [None, 5]),
    ("rule-when", ("rules", 0, "when"), None, None, ["always", 1, [], True]),
    ("rule-when-all", ("rules", 0, "when", "all"), None, None, [{"fact": "x"}, "all", []]),
    ("rule-cite", ("rules", 0, "cite"), None, None, ["第五条", ["wz_measures"]]),
    ("rule-cite-doc", ("rules", 0, "cite", "doc"), None, None, [5, None]),
    ("rule-note", ("rules", 0, "note"), None, None, [["n"]]),
    ("rule-replaces", ("rules", 8, "replaces"), None, None, ["yes", 1]),
    ("rule-referral", ("rules", 0, "referral"), None, None, ["true"]),
    ("condition-eq", ("rules", 0, "when", "all", 0, "eq"), None, None, [[True], {"a": 1}]),
    ("condition-in", ("rules", 0, "when", "all", 1, "in"), None, None, ["reform_pilot", []]),
    (
        "condition-fact",
        ("rules", 0, "when", "all", 0, "fact"),
        None,
        None,
        [1, ["in_reform_or_pilot"]],
    ),
    ("outcome-step", ("rules", -1, "step"), "outcome", None, ["two", 1.5, 0, -3, True]),
    ("outcome-outcome", ("rules", -1, "outcome"), "outcome", None, [3, ["mitigate"]]),
    ("look-look", ("rules", -1, "look"), "look", None, [["motive_attitude"], 1]),
    ("look-finding", ("rules", -1, "finding"), "look", None, ["neutral", 1, True]),
    ("distinction-side", ("rules", -1, "side"), "distinction", None, ["both", 2]),
    ("distinction-distinction", ("rules", -1, "distinction"), "distinction", None, [["d1"]]),
    (
        "precondition-pairs",
        ("rules", -1, "pairs_with"),
        "precondition",
        None,
        [["private_gain"], 9],
    ),
    ("look-decl-label", ("looks", -1, "label"), None, "looks", [None, 3]),
    ("distinction-decl", ("distinctions", -1, "tolerable"), None, "distinctions", [None, ["x"]]),
    ("outcome-decl-label", ("outcomes", -1, "label"), None, "outcomes", [[1]]),
    (
        "procedure-days",
        ("procedure", -1, "time_limit", "working_days"),
        None,
        "procedure",
        ["five", 2.5, -1, None],
    ),
    ("procedure-from", ("procedure", -1, "time_limit", "from"), None, "procedure", ["acepted", 3]),
    (
        "procedure-extend",
        ("procedure", -1, "time_limit", "extendable_by"),
        None,
        "procedure",
        ["ten", -2],
    ),
    ("procedure-limit", ("procedure", -1, "time_limit"), None, "procedure", ["15 days", [15]]),
    ("effects-outcome", ("effects", 0, "outcome"), None, None, ["tolerated", 1]),
    ("effects-text", ("effects", 0, "text"), None, None, [None, ["t"]]),
    ("disable", ("disable",), None, None, ["art19_obstruction", {"a": 1}, 5]),
]


def rulesets_wrong_types(c: Corpus) -> None:
    for slug, path, kind, decl, values in WRONG_TYPES:
        for value in values[:2]:
            data = wz_with(kind, decl)
            set_path(data, path, value)
            note = f"{'.'.join(str(p) for p in path)} = {value!r}"
            ruleset_entry(c, slug, f"wrong-type/{slug}", dump(data), note)


def rulesets_keys(c: Corpus) -> None:
    # Unknown keys, one per level of the document.
    for slug, path, key in (
        ("top", (), "wen"),
        ("top", (), "rulez"),
        ("rule", ("rules", 0), "wen"),
        ("fact", ("facts", 0), "typ"),
        ("cite", ("rules", 0, "cite"), "clase"),
        ("document", ("documents", 0), "titel"),
        ("effect", ("effects", 0), "outcomes"),
        ("condition", ("rules", 0, "when", "all", 0), "equals"),
    ):
        data = copy.deepcopy(WZ)
        target: Any = data
        for p in path:
            target = target[p]
        target[key] = "x"
        ruleset_entry(
            c, f"unknown-{slug}", "unknown-key", dump(data), f"unknown key {key!r} at {path}"
        )
    for slug, kind, key in (
        ("step-on-situation", None, "step"),
        ("values-on-bool", None, "values"),
    ):
        data = copy.deepcopy(WZ)
        if key == "step":
            data["rules"][0]["step"] = 3
        else:
            data["facts"][0]["values"] = {"a": "甲"}
        ruleset_entry(
            c,
            slug,
            "unknown-key/misplaced",
            dump(data),
            f"{key} where {kind or 'this kind'} has none",
        )
    # Duplicate keys, written as text (a parsed mapping cannot hold them).
    for slug, old, new in (
        ("top", "title: 万州区容错纠错实施办法\n", "title: 万州区容错纠错实施办法\ntitle: 重复\n"),
        ("rule", "    kind: situation\n", "    kind: situation\n    kind: exclusion\n"),
        (
            "flow",
            "{fact: in_reform_or_pilot, eq: true}",
            "{fact: in_reform_or_pilot, eq: true, eq: false}",
        ),
        ("top-rules", "\nrules:\n", "\nrules: []\nrules:\n"),
    ):
        assert old in WZ_TEXT, old
        ruleset_entry(
            c,
            slug,
            "duplicate-key",
            WZ_TEXT.replace(old, new, 1).encode(),
            f"duplicate key ({slug})",
        )
    # Duplicate ids.
    data = copy.deepcopy(WZ)
    data["rules"].append(copy.deepcopy(data["rules"][1]))
    ruleset_entry(c, "dup-rule-id", "duplicate-id", dump(data), "a rule id twice")
    data = copy.deepcopy(WZ)
    data["facts"].append(copy.deepcopy(data["facts"][0]))
    ruleset_entry(c, "dup-fact-id", "duplicate-id", dump(data), "a fact id twice")
    data = copy.deepcopy(WZ)
    data["facts"].append({"id": "motive", "type": "bool", "label": "重写"})
    ruleset_entry(
        c,
        "dup-inherited-fact",
        "duplicate-id",
        dump(data),
        "a fact inherited from national redeclared",
    )
    # Missing required keys.
    for slug, key_path, kind, decl in (
        ("id", ("id",), None, None),
        ("title", ("title",), None, None),
        ("version", ("version",), None, None),
        ("effective-from", ("effective_from",), None, None),
        ("rule-id", ("rules", 0, "id"), None, None),
        ("rule-kind", ("rules", 0, "kind"), None, None),
        ("rule-label", ("rules", 0, "label"), None, None),
        ("rule-when", ("rules", 0, "when"), None, None),
        ("fact-type", ("facts", 0, "type"), None, None),
        ("fact-label", ("facts", 0, "label"), None, None),
        ("cite-text", ("rules", 0, "cite", "text"), None, None),
        ("document-title", ("documents", 0, "title"), None, None),
        ("look-finding", ("rules", -1, "finding"), "look", None),
        ("outcome-step", ("rules", -1, "step"), "outcome", None),
        ("distinction-side", ("rules", -1, "side"), "distinction", None),
        ("procedure-days", ("procedure", -1, "time_limit", "working_days"), None, "procedure"),
        ("effect-text", ("effects", 0, "text"), None, None),
    ):
        data = wz_with(kind, decl)
        del_path(data, key_path)
        ruleset_entry(
            c,
            f"missing-{slug}",
            "missing-key",
            dump(data),
            f"{'.'.join(map(str, key_path))} removed",
        )
    data = copy.deepcopy(WZ)
    data["facts"].append({"id": "fuzz_enum", "type": "enum", "label": "无取值"})
    ruleset_entry(
        c, "missing-enum-values", "missing-key", dump(data), "an enum fact without values"
    )


def rulesets_ids(c: Corpus) -> None:
    bads = ["Pilot-Ok", "1abc", "", "a b", "试点", "pilot.ok", "_x", "x" * 300 + "-"]
    for where, path, pool in (
        ("rule", ("rules", 0, "id"), bads),
        ("fact", ("facts", 0, "id"), bads[1::3]),
        ("document", ("documents", 0, "id"), bads[2::3]),
    ):
        for bad in pool:
            data = copy.deepcopy(WZ)
            set_path(data, path, bad)
            ruleset_entry(c, f"id-{where}", "bad-id", dump(data), f"{where} id {bad[:20]!r}")
    data = copy.deepcopy(WZ)
    data["id"] = "Wanzhou"
    ruleset_entry(c, "id-ruleset", "bad-id", dump(data), "ruleset id with a capital letter")
    data = copy.deepcopy(WZ)
    data["id"] = "mianyang"
    ruleset_entry(c, "id-folder", "bad-id", dump(data), "ruleset id differs from its folder")


def rulesets_dates(c: Corpus) -> None:
    for raw in (
        "2024-02-30",
        "2018-13-01",
        "2018-1-1",
        "2018-01-01T10:00:00",
        "2018-01-01 10:00:00+08:00",
        "0000-01-01",
        "'2018-02-29'",
    ):
        body = WZ_TEXT.replace("effective_from: 2018-01-01", f"effective_from: {raw}", 1).encode()
        ruleset_entry(c, "date-from", "bad-date", body, f"effective_from: {raw}")
    body = WZ_TEXT.replace(
        "effective_from: 2018-01-01", "effective_from: 2018-01-01\neffective_until: 2017-12-31", 1
    ).encode()
    ruleset_entry(c, "date-reversed", "bad-date", body, "effective_until before effective_from")
    body = WZ_TEXT.replace(
        "effective_from: 2018-01-01", "effective_from: 2018-01-01\neffective_until: 2030-02-31", 1
    ).encode()
    ruleset_entry(c, "date-until", "bad-date", body, "effective_until 2030-02-31")
    data = copy.deepcopy(WZ)
    data["documents"][0]["date"] = "@@D@@"
    ruleset_entry(
        c, "date-document", "bad-date", dump(data, {"D": "2019-09-31"}), "document date 2019-09-31"
    )
    data = copy.deepcopy(WZ)
    data["rules"][0]["when"] = {"fact": "loss_yuan", "gt": "@@D@@"}
    ruleset_entry(
        c,
        "date-on-number",
        "bad-date",
        dump(data, {"D": "2024-02-30"}),
        "a bad date compared with a number fact",
    )


# Numbers a ruleset constant or bound may not be: (slug, raw YAML, where, note).
RULESET_NUMBERS: list[tuple[str, str, str]] = [
    ("nan", ".nan", "NaN"),
    ("nan", ".NaN", "NaN"),
    ("inf", ".inf", "infinity"),
    ("inf", "-.inf", "minus infinity"),
    ("e400", "1.0e+400", "1.0e+400 (infinite as a float)"),
    ("e400", "-1.0e+400", "-1.0e+400"),
    ("bigint", "1" + "0" * 400, "10**400 as an integer literal"),
    ("bigint", "-" + "9" * 320, "a 320-digit negative integer"),
]


def rulesets_numbers(c: Corpus) -> None:
    for slug, raw, note in RULESET_NUMBERS:
        for where in ("gt", "min", "max"):
            data = copy.deepcopy(WZ)
            if where == "gt":
                data["rules"][0]["when"]["all"].append({"fact": "loss_yuan", "gt": "@@N@@"})
            else:
                decl: dict[str, Any] = {
                    "id": "fuzz_amount",
                    "type": "number",
                    "label": "模糊测试数额",
                    "min": 0,
                    "max": 100,
                }
                decl[where] = "@@N@@"
                data["facts"].append(decl)
                data["rules"][0]["when"]["all"].append({"fact": "fuzz_amount", "gt": 1})
            ruleset_entry(
                c,
                f"num-{slug}-{where}",
                f"numbers/{slug}",
                dump(data, {"N": raw}),
                f"{where}: {note}",
                evaluate=where == "gt",
            )
    # Forms that are out of range, or not numbers at all in YAML 1.1.
    for slug, fact, op, raw, note in (
        ("exp-range", "loss_recovered_ratio", "gt", "1.5e+16", "1.5e+16 above the ratio's max 1"),
        ("exp-range", "loss_recovered_ratio", "lt", "-1.0e-05", "-1.0e-05 below the ratio's min 0"),
        ("exp-range", "loss_yuan", "lt", "-2.5E+3", "-2.5E+3 below loss_yuan's min 0"),
        ("exp-text", "loss_yuan", "gt", "1e5", "1e5 is text in YAML 1.1, not a number"),
        ("exp-text", "loss_recovered_ratio", "lt", "1e-05", "1e-05 is text in YAML 1.1"),
        (
            "bigint-range",
            "loss_recovered_ratio",
            "gt",
            "1" + "0" * 400,
            "10**400 above the ratio's max 1",
        ),
        ("negzero-bool", "dereliction", "eq", "-0.0", "-0.0 compared with a bool fact"),
        ("negzero-enum", "motive", "eq", "-0.0", "-0.0 compared with an enum fact"),
    ):
        data = copy.deepcopy(WZ)
        data["rules"][0]["when"]["all"].append({"fact": fact, op: "@@N@@"})
        ruleset_entry(
            c,
            f"num-{slug}",
            f"numbers/{slug}",
            dump(data, {"N": raw}),
            note,
            evaluate=slug == "exp-range",
        )
    for raw, note in (
        ("-0.0", "-0.0 as a step"),
        ("1.0e+2", "1.0e+2 as a step"),
        ("1" + "0" * 400, "10**400 as a step"),
    ):
        data = wz_with("outcome")
        data["rules"][-1]["step"] = "@@N@@"
        ruleset_entry(c, "num-step", "numbers/step", dump(data, {"N": raw}), note)


RULE0_WHEN = """    when:
      all:
        - {fact: in_reform_or_pilot, eq: true}
        - {fact: work_area, contains: reform_pilot}
"""


def nested_flow(depth: int, op: str) -> str:
    """A condition nested ``depth`` deep, in flow style (PyYAML's dumper itself recurses)."""
    leaf = "{fact: in_reform_or_pilot, eq: true}"
    if op == "not":
        return "{not: " * depth + leaf + "}" * depth
    return ("{" + op + ": [") * depth + leaf + "]}" * depth


def rulesets_nesting(c: Corpus) -> None:
    assert RULE0_WHEN in WZ_TEXT
    for op, depth in (("all", 500), ("any", 450), ("not", 500), ("all", 2000)):
        body = WZ_TEXT.replace(RULE0_WHEN, f"    when: {nested_flow(depth, op)}\n", 1)
        ruleset_entry(
            c,
            f"deep-{op}",
            "deep-nesting",
            body.encode(),
            f"`{op}` nested {depth} deep",
            evaluate=depth == 500 and op == "all",
        )
    for depth in (1000, 20000):
        body = WZ_TEXT.replace("extends: national", "extends: " + "[" * depth + "]" * depth, 1)
        ruleset_entry(
            c, "deep-flow", "deep-nesting", body.encode(), f"a flow list nested {depth} deep"
        )


def alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def rulesets_aliases(c: Corpus) -> None:
    bomb = alias_bomb(9, 9)
    ruleset_entry(
        c,
        "alias-bomb",
        "alias-bomb",
        (bomb + WZ_TEXT).encode(),
        "billion laughs before the ruleset",
    )
    body = WZ_TEXT.replace("description: ", "description: *a8\nx_description: ", 1)
    ruleset_entry(
        c,
        "alias-bomb",
        "alias-bomb",
        (bomb + body).encode(),
        "billion laughs used as the description",
        evaluate=True,
    )
    body = WZ_TEXT.replace("rules:\n", "fuzz: &b {k: [*b, *b]}\nrules:\n", 1)
    ruleset_entry(
        c, "alias-recursive", "recursive-alias", body.encode(), "a mapping containing itself"
    )
    body = WZ_TEXT.replace("extends: national", "extends: &r [*r]", 1)
    ruleset_entry(
        c,
        "alias-recursive",
        "recursive-alias",
        body.encode(),
        "a list containing itself as extends",
        evaluate=True,
    )
    body = WZ_TEXT.replace("rules:\n", "base: &m {<<: *m, a: 1}\nrules:\n", 1)
    ruleset_entry(c, "alias-merge", "recursive-alias", body.encode(), "a merge key of itself")
    body = WZ_TEXT.replace(
        "    kind: situation\n", "    kind: situation\n    <<: &k {when: *k}\n", 1
    )
    ruleset_entry(
        c, "alias-merge", "recursive-alias", body.encode(), "a merged mapping that refers to itself"
    )


def encoding_mutations(text: str, rng: random.Random) -> list[tuple[str, bytes, str]]:
    raw = text.encode("utf-8")
    out: list[tuple[str, bytes, str]] = []
    for byte in (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80"):
        at = rng.randrange(len(raw) // 4, len(raw))
        while raw[at] & 0xC0 == 0x80:  # not inside a multi-byte character
            at -= 1
        out.append(("non-utf8", raw[:at] + byte + raw[at:], f"bytes {byte!r} at offset {at}"))
    out.append(("utf16", text.encode("utf-16"), "UTF-16 with its BOM"))
    out.append(("latin1", text.encode("gb18030"), "GB18030, not UTF-8"))
    first, rest = raw.split(b"\n", 1)
    key = re.search(rb"^[a-z_]+:", raw, re.M)
    assert key is not None
    at = key.start()
    out.append(("bom-middle", raw[:at] + b"\xef\xbb\xbf" + raw[at:], "a BOM before the first key"))
    out.append(
        (
            "bom-error",
            b"\xef\xbb\xbf" + first + b"\n" + b"unknown_fuzz_key: 1\n" + rest,
            "a BOM, then an unknown key on line 2",
        )
    )
    for ch, slug in ((b"\x00", "nul"), (b"\x07", "control"), (b"\x1b[31m", "control")):
        at = rng.randrange(len(raw) // 4, len(raw))
        while raw[at] & 0xC0 == 0x80:
            at -= 1
        out.append((slug, raw[:at] + ch + raw[at:], f"{ch!r} at offset {at}"))
    out.append(("nul", raw.replace(b"\n", b"\x00\n", 3), "NUL at the end of the first lines"))
    return out


EMPTY_BODIES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "an empty file"),
    ("empty", b"   \n\n\t\n", "whitespace only"),
    ("empty", b"# only a comment\n", "a comment only"),
    ("empty", b"---\n", "a document marker only"),
    ("empty", b"null\n", "null"),
    ("shape", b"[]\n", "an empty list"),
    ("shape", b"- id: wanzhou\n", "a list instead of a mapping"),
    ("shape", b"hello\n", "a bare scalar"),
    ("shape", b"42\n", "a number"),
    ("shape", b"---\n...\n---\n...\n", "two empty documents"),
]


def rulesets_bytes(c: Corpus) -> None:
    rng = rng_for("ruleset-bytes")
    for slug, body, note in encoding_mutations(WZ_TEXT, rng):
        ruleset_entry(c, slug, f"encoding/{slug}", body, note)
    for slug, body, note in encoding_mutations(NAT_TEXT, rng)[:1]:
        ruleset_entry(
            c, slug, f"encoding/{slug}", body, f"national: {note}", rid="national", version="2019"
        )
    for slug, body, note in EMPTY_BODIES:
        ruleset_entry(c, slug, f"empty/{slug}", body, note, located=slug != "empty")
    data = copy.deepcopy(WZ)
    data["rules"][0]["wen" + "x" * 40000] = 1
    ruleset_entry(c, "huge-key", "huge-string", dump(data), "an unknown key 40,000 characters long")
    data = copy.deepcopy(WZ)
    data["rules"][0]["id"] = "很长的名称" * 4000
    ruleset_entry(c, "huge-id", "huge-string", dump(data), "a rule id of 20,000 CJK characters")
    data = copy.deepcopy(WZ)
    data["rules"][0]["when"]["all"][1]["eq"] = "reform_pilot" + "x" * 40000
    ruleset_entry(
        c,
        "huge-enum",
        "huge-string",
        dump(data),
        "an undeclared enum value 40 KB long (did-you-mean over it)",
    )


def rulesets_folders(c: Corpus) -> None:
    """Folders that hold no readable version file, or hold two that disagree."""
    eid = c.new_id("rs", "folder-empty")
    c.add(
        Entry(
            eid,
            "ruleset/folder/empty",
            ["check", "{work}/rulesets/wanzhou"],
            setup={"mkdir": ["rulesets/wanzhou"]},
            located=False,
            note="an existing empty ruleset folder",
        )
    )
    eid = c.new_id("rs", "folder-empty")
    c.add(
        Entry(
            eid,
            "ruleset/folder/empty",
            ["evaluate", TOLERATE_CASE, "--ruleset", "{work}/rulesets/wanzhou"],
            setup={"mkdir": ["rulesets/wanzhou"]},
            located=False,
            note="evaluate against an existing empty ruleset folder",
        )
    )
    eid = c.new_id("rs", "folder-yml")
    c.add(
        Entry(
            eid,
            "ruleset/folder/yml-only",
            check_rs(),
            {"rulesets/wanzhou/2018.yml": WZ_TEXT.encode()},
            located=False,
            note="only a .yml file, which is not read",
        )
    )
    eid = c.new_id("rs", "folder-dir")
    c.add(
        Entry(
            eid,
            "ruleset/folder/dir-named-yaml",
            ["check", "{work}/rulesets/wanzhou"],
            setup={"mkdir": ["rulesets/wanzhou/2018.yaml"]},
            located=False,
            note="a folder named 2018.yaml",
        )
    )
    eid = c.new_id("rs", "folder-devzero")
    c.add(
        Entry(
            eid,
            "ruleset/folder/special-file",
            ["check", "{work}/rulesets/wanzhou"],
            setup={
                "mkdir": ["rulesets/wanzhou"],
                "symlink": {"rulesets/wanzhou/2018.yaml": "/dev/zero"},
            },
            located=False,
            note="a version file that is a symlink to /dev/zero",
        )
    )
    eid = c.new_id("rs", "folder-fifo")
    c.add(
        Entry(
            eid,
            "ruleset/folder/special-file",
            ["check", "{work}/rulesets/wanzhou"],
            setup={"mkdir": ["rulesets/wanzhou"], "mkfifo": ["rulesets/wanzhou/2018.yaml"]},
            located=False,
            note="a version file that is a FIFO",
        )
    )
    # Two versions that overlap, or share a version number.
    second = WZ_TEXT.replace('version: "2018"', 'version: "2020"').replace(
        "effective_from: 2018-01-01", "effective_from: 2020-01-01"
    )
    eid = c.new_id("rs", "folder-overlap")
    c.add(
        Entry(
            eid,
            "ruleset/folder/overlap",
            check_rs(),
            {
                "rulesets/wanzhou/2018.yaml": WZ_TEXT.encode(),
                "rulesets/wanzhou/2020.yaml": second.encode(),
            },
            note="two versions in force at once",
        )
    )
    same = WZ_TEXT.replace("effective_from: 2018-01-01", "effective_from: 2030-01-01")
    eid = c.new_id("rs", "folder-dupversion")
    c.add(
        Entry(
            eid,
            "ruleset/folder/duplicate-version",
            check_rs(),
            {
                "rulesets/wanzhou/2018.yaml": WZ_TEXT.encode().replace(
                    b"effective_from: 2018-01-01",
                    b"effective_from: 2018-01-01\neffective_until: 2029-12-31",
                ),
                "rulesets/wanzhou/2030.yaml": same.encode(),
            },
            note="two files with version 2018",
        )
    )


def rulesets_semantics(c: Corpus) -> None:
    """Documents that parse and have the right shape but mean something impossible."""
    cases: list[tuple[str, str, Callable[[dict[str, Any]], None], bool]] = []

    def rule0_when(cond: Any) -> Callable[[dict[str, Any]], None]:
        def f(d: dict[str, Any]) -> None:
            d["rules"][0]["when"] = cond

        return f

    cases += [
        (
            "unknown-fact",
            "a condition on a misspelt fact",
            rule0_when({"fact": "in_reform_or_pilott", "eq": True}),
            True,
        ),
        (
            "unknown-fact",
            "a condition on a fact of another ruleset",
            rule0_when({"fact": "community_renewal", "eq": True}),
            False,
        ),
        (
            "enum-value",
            "an enum value off the list",
            rule0_when({"fact": "work_area", "contains": "reform_pilots"}),
            True,
        ),
        (
            "enum-value",
            "an `in` list with an undeclared value",
            rule0_when({"fact": "social_impact", "in": ["minor", "catastrophic"]}),
            False,
        ),
        (
            "type-mismatch",
            "a bool fact compared with the text 'true'",
            rule0_when({"fact": "in_reform_or_pilot", "eq": "true"}),
            True,
        ),
        ("type-mismatch", "gt on an enum fact", rule0_when({"fact": "motive", "gt": 1}), False),
        (
            "type-mismatch",
            "a number fact compared with text",
            rule0_when({"fact": "loss_yuan", "ge": "much"}),
            False,
        ),
        (
            "missing-rule",
            "a reference to a rule that does not exist",
            rule0_when({"rule": "no_such_rule"}),
            True,
        ),
        (
            "missing-rule",
            "a reference to the committee-only situation",
            rule0_when({"rule": "other_committee_recognised"}),
            False,
        ),
        (
            "claimed",
            "claimed names a rule that is not a situation",
            rule0_when({"claimed": "private_gain"}),
            False,
        ),
        ("claimed", "claimed names nothing", rule0_when({"claimed": "no_such_situation"}), False),
        ("any-rule", "any_rule over its own kind", rule0_when({"any_rule": "situation"}), True),
        (
            "any-rule",
            "any_rule over a kind it may not read",
            rule0_when({"any_rule": "look"}),
            False,
        ),
        (
            "contradiction",
            "gt 5 and lt 3",
            rule0_when({"all": [{"fact": "loss_yuan", "gt": 5}, {"fact": "loss_yuan", "lt": 3}]}),
            False,
        ),
        (
            "condition-form",
            "two comparisons in one fact condition",
            rule0_when({"fact": "loss_yuan", "gt": 5, "lt": 3}),
            False,
        ),
        ("condition-form", "an empty all", rule0_when({"all": []}), False),
        ("condition-form", "an empty in list", rule0_when({"fact": "motive", "in": []}), False),
        (
            "condition-form",
            "fact and all in one condition",
            rule0_when({"fact": "motive", "eq": "public", "all": [{"rule": "x"}]}),
            False,
        ),
        (
            "condition-form",
            "a comparison with a list value",
            rule0_when({"fact": "motive", "eq": ["public"]}),
            False,
        ),
    ]

    def cycle(d: dict[str, Any]) -> None:
        d["rules"][0]["when"] = {"rule": "exploration_without_explicit_rule"}
        d["rules"][1]["when"] = {"rule": "pilot_reform_deviation"}

    def cycle_not(d: dict[str, Any]) -> None:
        d["rules"][0]["when"] = {"not": {"rule": "exploration_without_explicit_rule"}}
        d["rules"][1]["when"] = {"rule": "pilot_reform_deviation"}

    def self_ref(d: dict[str, Any]) -> None:
        d["rules"][0]["when"] = {"all": [{"rule": "pilot_reform_deviation"}]}

    def long_cycle(d: dict[str, Any]) -> None:
        n = len(d["rules"])
        for i in range(n - 1):
            d["rules"][i]["when"] = {
                "any": [{"rule": d["rules"][i + 1]["id"]}, {"fact": "emergency", "eq": True}]
            }
        d["rules"][n - 1]["when"] = {"rule": d["rules"][0]["id"]}

    def disable_missing(d: dict[str, Any]) -> None:
        d["disable"] = ["no_such_rule"]

    def disable_used(d: dict[str, Any]) -> None:
        d["disable"] = ["public_motive"]

    def disable_own(d: dict[str, Any]) -> None:
        d["disable"] = ["pilot_reform_deviation"]

    def replaces_nothing(d: dict[str, Any]) -> None:
        d["rules"][0]["replaces"] = True

    def shadow(d: dict[str, Any]) -> None:
        del d["rules"][8]["replaces"]

    def cite_doc(d: dict[str, Any]) -> None:
        d["rules"][0]["cite"]["doc"] = "no_such_doc"

    def extends_missing(d: dict[str, Any]) -> None:
        d["extends"] = "nationall"

    def extends_self(d: dict[str, Any]) -> None:
        d["extends"] = "wanzhou"

    def extends_version(d: dict[str, Any]) -> None:
        d["extends"] = "national@1999"

    def kind_typo(d: dict[str, Any]) -> None:
        d["rules"][0]["kind"] = "situaton"

    def pairs(d: dict[str, Any]) -> None:
        d["rules"].append(copy.deepcopy(EXTRA_RULES["precondition"]))
        d["rules"][-1]["pairs_with"] = "cooperation"

    def look_typo(d: dict[str, Any]) -> None:
        d["rules"].append(copy.deepcopy(EXTRA_RULES["look"]))
        d["rules"][-1]["look"] = "motive"

    def outcome_typo(d: dict[str, Any]) -> None:
        d["rules"].append(copy.deepcopy(EXTRA_RULES["outcome"]))
        d["rules"][-1]["outcome"] = "tolerated"

    def fact_looks(d: dict[str, Any]) -> None:
        d["facts"][0]["looks"] = ["no_such_look"]

    def min_max(d: dict[str, Any]) -> None:
        d["facts"].append(
            {"id": "fuzz_amount", "type": "number", "label": "数额", "min": 10, "max": 1}
        )

    def referral_when(d: dict[str, Any]) -> None:
        d["rules"][0]["referral"] = True

    def outcome_reads(d: dict[str, Any]) -> None:
        d["rules"][0]["when"] = {"rule": "order_tolerate"}

    def effect_dup(d: dict[str, Any]) -> None:
        d["effects"].append(copy.deepcopy(d["effects"][0]))

    def wide(d: dict[str, Any]) -> None:
        facts = [{"id": f"fuzz_f{i}", "type": "bool", "label": f"事实{i}"} for i in range(150)]
        rules = [
            {
                "id": f"fuzz_r{i}",
                "kind": "mitigating",
                "label": f"情形{i}",
                "when": {"fact": f"fuzz_f{i}", "eq": True},
            }
            for i in range(150)
        ]
        d["facts"] += facts
        d["rules"] += rules
        d["rules"].append(
            {
                "id": "fuzz_wide",
                "kind": "mitigating",
                "label": "宽",
                "when": {"all": [{"rule": r["id"]} for r in rules]},
            }
        )

    cases += [
        ("cycle", "two rules reading each other", cycle, True),
        ("cycle", "a cycle through not", cycle_not, True),
        ("cycle", "a rule reading itself", self_ref, False),
        ("cycle", "a cycle through every wanzhou situation", long_cycle, False),
        ("disable", "disable names no inherited rule", disable_missing, False),
        ("disable", "disable a rule other rules read", disable_used, True),
        ("disable", "disable one of its own rules", disable_own, False),
        ("replaces", "replaces: true with nothing to replace", replaces_nothing, False),
        ("replaces", "an inherited id without replaces", shadow, False),
        ("cite", "cite of an undeclared document", cite_doc, False),
        ("extends", "extends a ruleset that does not exist", extends_missing, True),
        ("extends", "extends itself", extends_self, False),
        ("extends", "extends a version that does not exist", extends_version, False),
        ("names", "a misspelt kind", kind_typo, False),
        ("names", "pairs_with a precondition", pairs, False),
        ("names", "a look that is not declared", look_typo, False),
        ("names", "an outcome that is not declared", outcome_typo, False),
        ("names", "a fact's looks name no look", fact_looks, False),
        ("bounds", "min above max", min_max, False),
        ("referral", "a referral situation with a condition", referral_when, False),
        ("missing-rule", "a situation reading an outcome rule", outcome_reads, False),
        ("duplicate-id", "an effect id twice", effect_dup, False),
        ("wide", "a rule reading 150 rules", wide, False),
    ]
    for slug, note, mutate, evaluate in cases:
        data = copy.deepcopy(WZ)
        mutate(data)
        ruleset_entry(c, f"sem-{slug}", f"semantics/{slug}", dump(data), note, evaluate=evaluate)
    # A few on national itself: the base every local ruleset extends.
    for slug, note, mutate in (
        ("nat-outcome", "national without the refer outcome", lambda d: d["outcomes"].pop()),
        (
            "nat-rule",
            "national with a rule reading a missing rule",
            lambda d: d["rules"][0].__setitem__("when", {"rule": "nope"}),
        ),
        (
            "nat-step",
            "national's first outcome step as text",
            lambda d: next(r for r in d["rules"] if r["kind"] == "outcome").__setitem__(
                "step", "one"
            ),
        ),
    ):
        data = copy.deepcopy(NAT)
        mutate(data)
        ruleset_entry(
            c, slug, f"semantics/{slug}", dump(data), note, rid="national", version="2019"
        )


# ----------------------------------------------------------------------------- cases


def case_base(rng: random.Random) -> tuple[Path, dict[str, Any]]:
    path = rng.choice(WZ_CASES)
    return path, yaml.safe_load(read(path))


def case_entry(
    c: Corpus,
    slug: str,
    cls: str,
    body: bytes,
    note: str,
    *,
    name: str = "case.yaml",
    ruleset: str = "wanzhou",
    located: bool = True,
    extra: list[str] | None = None,
    memo: bool = False,
) -> None:
    files = {name: body}
    eid = c.new_id("case", slug)
    c.add(
        Entry(
            eid,
            f"case/{cls}",
            eval_case(name, ruleset) + (extra or []),
            files,
            located=located,
            note=note,
        )
    )
    if memo:
        eid = c.new_id("case-memo", slug)
        args = [
            "memo",
            f"{{entry}}/{name}",
            "--ruleset",
            ruleset,
            *AS_OF,
            "--format",
            "docx",
            "-o",
            "{work}/memo.docx",
        ]
        c.add(
            Entry(eid, f"case/{cls}", args, files, located=located, note=f"{note} (memo to docx)")
        )


def cases_syntax(c: Corpus) -> None:
    rng = rng_for("case-syntax")
    for path in (WZ_CASES[0], WZ_CASES[5], MY_CASES[2]):
        text = read(path)
        muts = yaml_syntax_mutations(text, rng)
        for slug, mutated, note in muts[::2]:
            ruleset = "mianyang" if path.name.startswith("my") else "wanzhou"
            case_entry(
                c,
                slug,
                f"yaml-syntax/{slug}",
                mutated.encode(),
                f"{path.name}: {note}",
                ruleset=ruleset,
            )


CASE_WRONG: list[tuple[str, tuple[Any, ...], list[Any]]] = [
    ("id", ("id",), [2024, ["WZ-1"], None, "", "   ", -0.0, {"a": 1}]),
    ("title", ("title",), [None, 5, "", ["t"]]),
    (
        "incident-date",
        ("incident_date",),
        [
            20240318,
            "2024-3-18",
            "2024-02-30",
            "2024-03-18T10:00:00",
            "2024-03-18 10:00",
            True,
            "",
            -0.0,
            "18/03/2024",
        ],
    ),
    ("cadre", ("cadre",), [["张某"], "张某", 1]),
    ("cadre-name", ("cadre", "name"), [5, ["a"]]),
    ("narrative", ("narrative",), [["a", "b"], {"x": 1}]),
    (
        "claimed",
        ("claimed_situations",),
        ["pilot_reform_deviation", {"a": 1}, [1, 2], [None], [-0.0]],
    ),
    ("facts", ("facts",), [["motive"], "motive: public", 1]),
    (
        "evidence",
        ("evidence",),
        [
            {"id": "E1"},
            "E1",
            [{"id": "E1"}],
            [{"title": "无编号"}],
            [{"id": "E1", "title": "t", "supports": "motive"}],
        ],
    ),
    (
        "procedure",
        ("procedure",),
        [
            ["accepted"],
            {"accepted": "2024-02-30"},
            {"acepted": "2024-04-01"},
            {"decided": 20240401},
        ],
    ),
    (
        "corrections",
        ("corrections",),
        [
            {"what": "x"},
            [{"who": "某单位"}],
            [{"what": "x", "due": "2024-13-01"}],
            [{"what": "x", "when": "now"}],
            ["do it"],
        ],
    ),
]


def cases_wrong_types(c: Corpus) -> None:
    rng = rng_for("case-wrong")
    for slug, path, values in CASE_WRONG:
        for value in values:
            base, data = case_base(rng)
            data = copy.deepcopy(data)
            if path[0] == "cadre" and len(path) > 1:
                data.setdefault("cadre", {})
            set_path(data, path, value)
            note = f"{base.name}: {'.'.join(map(str, path))} = {value!r}"
            case_entry(
                c,
                slug,
                f"wrong-type/{slug}",
                dump(data),
                note,
                memo=slug == "incident-date" and value == "2024-02-30",
            )
    for slug, key in (
        ("top", "wen"),
        ("cadre", "cadre.rank"),
        ("evidence", "evidence.page"),
        ("top", "claimed_situation"),
    ):
        base, data = case_base(rng)
        data = copy.deepcopy(data)
        if key.startswith("cadre."):
            data["cadre"]["rank"] = "科级"
        elif key.startswith("evidence."):
            data["evidence"] = [{"id": "E1", "title": "纪要", "page": 3}]
        else:
            data[key] = "x"
        case_entry(
            c, f"unknown-{slug}", "unknown-key", dump(data), f"{base.name}: unknown field {key}"
        )
    for slug, key in (("id", "id"), ("title", "title"), ("incident-date", "incident_date")):
        base, data = case_base(rng)
        data = copy.deepcopy(data)
        del data[key]
        case_entry(
            c,
            f"missing-{slug}",
            "missing-key",
            dump(data),
            f"{base.name}: no {key}",
            memo=key == "id",
        )
    text = read(WZ_CASES[0])
    for slug, old, new in (
        ("top", "title: ", "title: 重复\ntitle: "),
        ("facts", "  motive: public\n", "  motive: public\n  motive: mixed\n"),
        ("cadre", "  name: 张某\n", "  name: 张某\n  name: 李某\n"),
    ):
        assert old in text, old
        case_entry(
            c,
            f"dup-{slug}",
            "duplicate-key",
            text.replace(old, new, 1).encode(),
            f"duplicate key in {slug}",
        )


CASE_FACTS: list[tuple[str, str, str, str]] = [
    ("unknown-fact", "motivee", "public", "a misspelt fact id"),
    ("unknown-fact", "community_renewal", "true", "a fact of another ruleset"),
    ("unknown-fact", "Motive", "public", "a fact id with a capital"),
    ("enum", "motive", "publik", "an enum value off the list"),
    ("enum", "social_impact", "'none '", "an enum value with a trailing space"),
    ("enum", "motive", "1.0e+16", "an exponent-form number for an enum fact"),
    ("enum", "motive", "[public]", "a list for a single-valued enum fact"),
    ("bool", "concealment", "'false'", "the text 'false' for a bool fact"),
    ("bool", "concealment", "0", "0 for a bool fact"),
    ("bool", "emergency", "1.0e-05", "an exponent-form number for a bool fact"),
    ("bool", "emergency", "-0.0", "-0.0 for a bool fact"),
    ("number", "loss_yuan", "'120000'", "a quoted number"),
    ("number", "loss_yuan", "true", "true for a number fact"),
    ("number", "loss_yuan", "1e5", "1e5 is text in YAML 1.1"),
    ("number", "loss_yuan", "{amount: 5}", "a mapping for a number fact"),
    ("number", "loss_yuan", "2024-03-18", "a date for a number fact"),
    ("number-range", "loss_yuan", "-1", "below min 0"),
    ("number-range", "loss_recovered_ratio", "60", "a percentage where a ratio is asked"),
    ("number-range", "loss_recovered_ratio", "1.5e+16", "1.5e+16, above max 1"),
    ("number-range", "loss_recovered_ratio", "-1.0e-05", "-1.0e-05, below min 0"),
    ("number-range", "loss_recovered_ratio", "1" + "0" * 400, "10**400, above max 1"),
    ("number-range", "loss_yuan", "-" + "9" * 400, "a 400-digit negative number"),
    ("nan", "loss_recovered_ratio", ".nan", "NaN for a bounded number"),
    ("nan", "loss_recovered_ratio", ".NAN", "NaN (upper case)"),
    ("nan", "loss_yuan", ".nan", "NaN for a number with only a min"),
    ("inf", "loss_yuan", ".inf", "infinity"),
    ("inf", "loss_yuan", "-.inf", "minus infinity"),
    ("inf", "loss_recovered_ratio", ".Inf", "infinity for a bounded number"),
    ("e400", "loss_yuan", "1.0e+400", "1.0e+400 (infinite as a float)"),
    ("e400", "loss_yuan", "-1.0e+400", "-1.0e+400"),
    ("bigint", "loss_yuan", "1" + "0" * 400, "10**400 as an integer"),
    ("bigint", "loss_yuan", "0x" + "f" * 200, "a 200-digit hexadecimal integer"),
]


def cases_facts(c: Corpus) -> None:
    rng = rng_for("case-facts")
    for slug, fact, raw, note in CASE_FACTS:
        base, data = case_base(rng)
        data = copy.deepcopy(data)
        data["facts"][fact] = "@@V@@"
        numeric = slug in ("nan", "inf", "e400", "bigint")
        case_entry(
            c,
            slug,
            f"facts/{slug}",
            dump(data, {"V": raw}),
            f"{base.name}: {fact}: {note}",
            memo=numeric and rng.random() < 0.5,
        )
        if numeric:
            eid = c.new_id("case-ref", slug)
            c.add(
                Entry(
                    eid,
                    f"case/facts/{slug}",
                    eval_case(ruleset="wanzhou", backend="reference"),
                    {"case.yaml": dump(data, {"V": raw})},
                    note=f"{base.name}: {fact}: {note} (reference)",
                )
            )
    for slug, claimed, note in (
        ("claimed", ["pilot_reform_deviation_x"], "a misspelt situation"),
        ("claimed", ["private_gain"], "an exclusion claimed as a situation"),
        ("claimed", ["community_renewal_pilot"], "a situation of another ruleset"),
        ("claimed", [""], "an empty claimed id"),
        ("claimed", ["order_tolerate", "public_motive"], "an outcome rule and a precondition"),
    ):
        base, data = case_base(rng)
        data = copy.deepcopy(data)
        data["claimed_situations"] = claimed
        case_entry(c, slug, "claimed", dump(data), f"{base.name}: claims {claimed} ({note})")
    base, data = case_base(rng)
    data = copy.deepcopy(data)
    data["evidence"] = [{"id": "E1", "title": "纪要", "supports": ["collectiv_decision"]}]
    case_entry(
        c,
        "evidence-fact",
        "unknown-fact",
        dump(data),
        f"{base.name}: evidence supports an undeclared fact",
    )
    base, data = case_base(rng)
    case_entry(
        c,
        "as-of",
        "bad-date",
        dump(data),
        f"{base.name}: --as-of before incident_date",
        extra=["--as-of", "2000-01-01"],
        located=False,  # a command-line option against the file, as RC301
    )
    base, data = case_base(rng)
    data = copy.deepcopy(data)
    data["incident_date"] = "@@D@@"
    case_entry(
        c,
        "not-in-force",
        "ruleset-not-found",
        dump(data, {"D": "1990-01-01"}),
        "no wanzhou version in force in 1990",
        located=False,
    )
    case_entry(
        c,
        "no-ruleset",
        "ruleset-not-found",
        dump(data, {"D": "2024-01-01"}),
        "a ruleset id that does not exist",
        ruleset="wanzhuo",
        located=False,
    )


def cases_hostile(c: Corpus) -> None:
    rng = rng_for("case-hostile")
    text = read(WZ_CASES[0])
    for slug, body, note in encoding_mutations(text, rng):
        case_entry(c, slug, f"encoding/{slug}", body, note)
    for slug, body, note in EMPTY_BODIES:
        case_entry(c, slug, f"empty/{slug}", body, note)
    bomb = alias_bomb(9, 9)
    case_entry(
        c, "alias-bomb", "alias-bomb", (bomb + text).encode(), "billion laughs before the case"
    )
    as_fact = text.replace("facts:\n", "facts:\n  loss_yuan_notes: *a8\n", 1)
    case_entry(
        c, "alias-bomb", "alias-bomb", (bomb + as_fact).encode(), "billion laughs as a fact value"
    )
    case_entry(
        c,
        "alias-bomb",
        "alias-bomb",
        (
            bomb + text.replace("claimed_situations:\n", "claimed_situations: *a8\nx_claimed:\n", 1)
        ).encode(),
        "billion laughs as claimed_situations",
        memo=True,
    )
    case_entry(
        c,
        "alias-recursive",
        "recursive-alias",
        text.replace(
            "claimed_situations:\n", "claimed_situations: &c [*c]\nx_claimed:\n", 1
        ).encode(),
        "claimed_situations containing itself",
    )
    case_entry(
        c,
        "alias-recursive",
        "recursive-alias",
        text.replace("cadre:\n", "cadre: &c\n  boss: *c\nx_cadre:\n", 1).encode(),
        "cadre containing itself",
    )
    case_entry(
        c,
        "alias-merge",
        "recursive-alias",
        text.replace("cadre:\n", "cadre: &c\n  <<: *c\nx_cadre:\n", 1).encode(),
        "cadre merging itself",
    )
    for depth in (200, 1000, 20000):
        deep_text = text.replace("  motive: public", "  motive: " + "[" * depth + "]" * depth, 1)
        case_entry(
            c, "deep", "deep-nesting", deep_text.encode(), f"a fact value nested {depth} lists deep"
        )
    deep_text = text.replace(
        "cadre:\n", "cadre: " + "{a: " * 5000 + "1" + "}" * 5000 + "\nx_cadre:\n", 1
    )
    case_entry(c, "deep", "deep-nesting", deep_text.encode(), "cadre as mappings nested 5000 deep")
    data = yaml.safe_load(text)
    data["title"] = "很长的标题" * 4000
    data["wen" + "y" * 40000] = 1
    case_entry(
        c, "huge", "huge-string", dump(data), "a 20,000-character title and a 40 KB unknown key"
    )
    data = yaml.safe_load(text)
    data["facts"]["motive"] = "publik" + "z" * 40000
    case_entry(c, "huge", "huge-string", dump(data), "an enum value 40 KB long")
    for setup, note in (
        ({"symlink": {"case.yaml": "/dev/zero"}}, "a case file that is a symlink to /dev/zero"),
        ({"mkfifo": ["case.yaml"]}, "a case file that is a FIFO"),
        (
            {"symlink": {"case.yaml": "/dev/urandom"}},
            "a case file that is a symlink to /dev/urandom",
        ),
    ):
        eid = c.new_id("case", "special-file")
        args = ["evaluate", "{work}/case.yaml", "--ruleset", "wanzhou"]
        c.add(Entry(eid, "case/special-file", args, setup=setup, located=False, note=note))


JSON_CASE = json.dumps(
    {
        "id": "JSON-2024-001",
        "title": "JSON 案件",
        "incident_date": "2024-03-18",
        "claimed_situations": ["pilot_reform_deviation"],
        "facts": {
            "motive": "public",
            "loss_yuan": 0,
            "loss_recovered_ratio": 1,
            "concealment": False,
        },
    },
    ensure_ascii=False,
    indent=2,
)


def cases_json(c: Corpus) -> None:
    j = JSON_CASE
    bodies: list[tuple[str, str, str]] = [
        (
            "trailing-comma",
            j.replace('"concealment": false\n', '"concealment": false,\n'),
            "a trailing comma in facts",
        ),
        ("trailing-comma", j[:-2] + ",\n}", "a trailing comma at the end"),
        (
            "nan",
            j.replace('"loss_recovered_ratio": 1', '"loss_recovered_ratio": NaN'),
            "NaN (not JSON)",
        ),
        ("nan", j.replace('"loss_yuan": 0', '"loss_yuan": Infinity'), "Infinity (not JSON)"),
        ("nan", j.replace('"loss_yuan": 0', '"loss_yuan": -Infinity'), "-Infinity (not JSON)"),
        ("e400", j.replace('"loss_yuan": 0', '"loss_yuan": 1e400'), "1e400 (overflows a float)"),
        (
            "e400",
            j.replace('"loss_recovered_ratio": 1', '"loss_recovered_ratio": 1e5'),
            "1e5, above the ratio's max 1",
        ),
        ("bigint", j.replace('"loss_yuan": 0', '"loss_yuan": 1' + "0" * 400), "10**400"),
        (
            "duplicate-key",
            j.replace('"motive": "public",', '"motive": "public", "motive": "mixed",'),
            "a duplicate fact key",
        ),
        (
            "duplicate-key",
            j.replace('"title": "JSON 案件",', '"title": "JSON 案件", "title": "again",'),
            "a duplicate top-level key",
        ),
        ("syntax", j.replace('"id"', "'id'"), "single quotes"),
        ("syntax", j.replace("{\n", "{\n  // comment\n", 1), "a // comment"),
        ("syntax", j[:-1], "the closing brace missing"),
        (
            "syntax",
            j.replace('"title": "JSON 案件"', '"title": "JSON \t案件"'),
            "a raw tab inside a string",
        ),
        (
            "syntax",
            j.replace('"title": "JSON 案件"', '"title": "\\ud800"'),
            "a lone surrogate escape",
        ),
        ("shape", "[" + j + "]", "an array of cases"),
        ("shape", '"just a string"', "a JSON string"),
        (
            "deep",
            '{"id": "X", "title": "t", "incident_date": "2024-03-18", "facts": {"motive": '
            + "[" * 20000
            + "]" * 20000
            + "}}",
            "20,000 nested arrays",
        ),
        ("date", j.replace("2024-03-18", "2024-02-30"), "incident_date 2024-02-30"),
        ("date", j.replace("2024-03-18", "2024-03-18T09:30:00+08:00"), "incident_date with a time"),
        (
            "fact",
            j.replace('"motive": "public"', '"motive": "publik"'),
            "an enum value off the list",
        ),
        ("fact", j.replace('"motive": "public"', '"motivee": "public"'), "an unknown fact"),
        (
            "fact",
            j.replace('"concealment": false', '"concealment": "false"'),
            "the text 'false' for a bool",
        ),
        ("empty", "", "an empty .json file"),
    ]
    for slug, body, note in bodies:
        case_entry(c, f"json-{slug}", f"json/{slug}", body.encode(), note, name="case.json")
    case_entry(
        c,
        "json-bom",
        "json/encoding",
        b"\xef\xbb\xbf" + j.replace('"motive": "public"', '"motive": "publik"').encode(),
        "a BOM, then an enum value off the list",
        name="case.json",
    )
    case_entry(c, "json-encoding", "json/encoding", j.encode("utf-16"), "UTF-16", name="case.json")


# ----------------------------------------------------------------------------- usage


def usage(c: Corpus) -> None:
    """Usage errors: exit 2 with click's message (no RC code: nothing was read yet)."""
    for slug, args, note in (
        (
            "as-of",
            ["evaluate", TOLERATE_CASE, "--ruleset", "wanzhou", "--as-of", "2024-02-30"],
            "--as-of 2024-02-30",
        ),
        (
            "as-of",
            ["evaluate", TOLERATE_CASE, "--ruleset", "wanzhou", "--as-of", "2024-03-18T10:00"],
            "--as-of with a time",
        ),
        (
            "as-of",
            ["memo", TOLERATE_CASE, "--ruleset", "wanzhou", "--as-of", ""],
            "an empty --as-of",
        ),
        (
            "format",
            ["memo", TOLERATE_CASE, "--ruleset", "wanzhou", "--format", "odt"],
            "an unknown --format",
        ),
        (
            "format",
            ["memo", TOLERATE_CASE, "--ruleset", "wanzhou", "-o", "{work}/memo.odt"],
            "-o with an unknown suffix",
        ),
        (
            "output",
            ["memo", TOLERATE_CASE, "--ruleset", "wanzhou", "--format", "docx"],
            "docx without -o",
        ),
        ("folder", ["check", "./no/such/folder"], "a ruleset folder that does not exist"),
        (
            "backend",
            ["evaluate", TOLERATE_CASE, "--ruleset", "wanzhou", "--backend", "drools"],
            "an unknown backend",
        ),
    ):
        eid = c.new_id("usage", slug)
        c.add(Entry(eid, f"usage/{slug}", args, exit=2, located=False, note=note))


# ----------------------------------------------------------------------------- templates

TOLERATE_J2 = read(TEMPLATES / "tolerate.j2")
SECTIONS_J2 = read(TEMPLATES / "_sections.j2")


def j2_syntax_mutations(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """Seeded breaks of a bundled template: each drops or bends one delimiter."""
    out: list[tuple[str, str]] = []
    for token, replacement, note in (
        ("%}", "", "a block tag left unclosed"),
        ("}}", "", "a variable tag left unclosed"),
        ("{% endcall %}", "", "an endcall removed"),
        ("{% end", "{% fin", "an end tag misspelt"),
        ("(", "((", "an unbalanced parenthesis"),
        ('"', "", "a string literal left unclosed"),
    ):
        spots = [m.start() for m in re.finditer(re.escape(token), text)]
        if not spots:
            continue
        at = rng.choice(spots)
        out.append((text[:at] + replacement + text[at + len(token) :], f"{note} (offset {at})"))
    return out


HOSTILE_J2: list[tuple[str, str, str]] = [
    ("syntax", "{% if memo %}x", "an if without endif"),
    ("syntax", "{{ memo.case. }}", "an attribute name missing"),
    ("syntax", "{% foo %}", "an unknown tag"),
    ("syntax", "{# a comment never closed", "an unclosed comment"),
    ("syntax", "{% endif %}", "a stray endif"),
    ("syntax", "{{ 'x' ~ }}", "an operator without an operand"),
    ("undefined", "{{ memo.case.nickname }}", "an undefined attribute"),
    ("undefined", "{{ nosuch }}", "an undefined variable"),
    ("undefined", "{{ memo.nosuch.deeper }}", "an attribute of an undefined attribute"),
    ("undefined", "{% for x in nosuch %}{{ x }}{% endfor %}", "a loop over an undefined variable"),
    ("undefined", '{% import "_md.j2" as p %}{{ p.nosuch("x") }}', "an undefined macro"),
    ("undefined", "{{ nosuch_filter_input | nosuchfilter }}", "an unknown filter"),
    ("undefined", "{% if memo is nosuchtest %}{% endif %}", "an unknown test"),
    ("sandbox", "{{ ''.__class__ }}", "__class__ of a string"),
    ("sandbox", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "the classic subclasses escape"),
    ("sandbox", "{{ memo.__dict__ }}", "__dict__ of the memo"),
    ("sandbox", "{{ cycler.__init__.__globals__ }}", "globals through cycler"),
    ("sandbox", "{{ lipsum.__globals__['os'] }}", "os through lipsum"),
    ("sandbox", "{{ self._TemplateReference__context }}", "the template context through self"),
    ("sandbox", "{{ ().__class__.__bases__[0].__subclasses__() }}", "subclasses through a tuple"),
    ("sandbox", "{{ '{0.__class__}'.format(memo) }}", "format string attribute access"),
    ("sandbox", "{{ memo.case.title.__len__.__self__ }}", "a bound method's __self__"),
    (
        "sandbox",
        "{% set g = memo.__class__.__init__.__globals__ %}{{ g }}",
        "globals of the memo class",
    ),
    ("sandbox", "{{ decision.__class__.__module__ }}", "module of the decision class"),
    (
        "sandbox",
        "{{ namespace.__init__.__globals__['__builtins__'] }}",
        "builtins through namespace",
    ),
    ("arith", "{{ 1/0 }}", "division by zero"),
    ("arith", "{{ 1 // 0 }}", "floor division by zero"),
    ("arith", "{{ 1 % 0 }}", "modulo by zero"),
    (
        "arith",
        "{{ 10 ** 100000 }}",
        "a power with 100,001 digits (over Python's int-to-text limit)",
    ),
    ("arith", "{{ '%d' % 'x' }}", "a format with the wrong type"),
    ("arith", "{{ [1, 2][5] }}", "an index out of range"),
    ("arith", "{{ {}['k'] }}", "a missing dict key"),
    ("arith", "{{ memo.case.title | round }}", "rounding text"),
    ("arith", "{{ memo.case.title + 1 }}", "adding a number to text"),
    ("huge", "{{ 'x' * 10**9 }}", "a gigabyte string"),
    ("huge", "{{ [0] * 10**9 }}", "a list of a billion items"),
    ("huge", "{{ 'x' | center(10**9) }}", "a filter padding to a gigabyte"),
    ("huge", "{{ 'x'.ljust(10**9) }}", "a string method padding to a gigabyte"),
    ("huge", "{% for i in range(10**9) %}{% endfor %}", "range(10**9)"),
    ("huge", "{{ range(10**9) | list }}", "range(10**9) to a list"),
    (
        "huge",
        "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",
        "nested loops of 10**10 steps",
    ),
    (
        "huge",
        "{% set s = namespace(v='x') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v | length }}",
        "a string doubled 40 times",
    ),
    ("recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "a macro calling itself"),
    ("recursion", '{% include "tolerate.j2" %}', "a template including itself"),
    (
        "recursion",
        "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
        "a recursive loop without end",
    ),
    ("include", '{% include "../../../../../../etc/passwd" %}', "an include of ../../etc/passwd"),
    ("include", '{% include "/etc/passwd" %}', "an include of an absolute path"),
    (
        "include",
        '{% import "../../../../../../etc/hostname" as x %}',
        "an import of a path outside the folder",
    ),
    ("include", '{% extends "../tolerate.j2" %}', "extends a template above the folder"),
    ("include", '{% include "no_such_part.j2" %}', "an include of a missing part"),
    ("include", '{% include "" %}', "an include of an empty name"),
    ("include", "{% include memo %}", "an include of a non-string"),
]


def templates(c: Corpus) -> None:
    rng = rng_for("templates")
    for text, note in j2_syntax_mutations(TOLERATE_J2, rng):
        eid = c.new_id("tpl", "mut")
        c.add(
            Entry(
                eid,
                "template/syntax/mutation",
                memo_tpl("md"),
                {"tpl/tolerate.j2": text.encode()},
                note=f"tolerate.j2: {note}",
            )
        )
    for text, note in j2_syntax_mutations(SECTIONS_J2, rng)[:4]:
        eid = c.new_id("tpl", "mut-sections")
        c.add(
            Entry(
                eid,
                "template/syntax/mutation",
                memo_tpl("md", INSUFFICIENT_CASE),
                {"tpl/_sections.j2": text.encode()},
                note=f"_sections.j2: {note}",
            )
        )
    for slug, body, note in HOSTILE_J2:
        text = "{#- version: fuzz -#}\n" + body + "\n"
        eid = c.new_id("tpl", slug)
        c.add(
            Entry(
                eid,
                f"template/{slug}",
                memo_tpl("md"),
                {"tpl/tolerate.j2": text.encode()},
                note=note,
            )
        )
    # A few through the other text formats, and a hostile imported part.
    for fmt, body, note in (
        ("html", "{{ ''.__class__.__mro__ }}", "a sandbox escape rendered to HTML"),
        ("html", "{{ 1/0 }}", "division by zero rendered to HTML"),
        ("pdf", "{% if x %}", "a syntax error rendered to PDF"),
        ("pdf", "{{ memo.case.nickname }}", "an undefined variable rendered to PDF"),
        ("pdf", "{{ 'x' * 10**9 }}", "a gigabyte string rendered to PDF"),
    ):
        eid = c.new_id("tpl", f"fmt-{fmt}")
        c.add(
            Entry(
                eid,
                f"template/format-{fmt}",
                memo_tpl(fmt),
                {"tpl/tolerate.j2": ("{#- version: fuzz -#}\n" + body + "\n").encode()},
                note=note,
            )
        )
    part = SECTIONS_J2.replace("{% macro basic(", "{{ memo.__class__ }}{% macro basic(", 1)
    eid = c.new_id("tpl", "part")
    c.add(
        Entry(
            eid,
            "template/sandbox",
            memo_tpl("md"),
            {"tpl/_sections.j2": part.encode()},
            note="a sandbox escape in the shared part",
        )
    )
    part = SECTIONS_J2.replace("{% macro basic(", "{% macro basic(", 1) + "\n{% macro {% %}\n"
    eid = c.new_id("tpl", "part")
    c.add(
        Entry(
            eid,
            "template/syntax",
            memo_tpl("md"),
            {"tpl/_sections.j2": part.encode()},
            note="a syntax error at the end of the shared part",
        )
    )
    # Bytes: not UTF-8, NUL, a BOM then an error.
    for slug, raw, note in (
        ("bytes", b"{#- version: fuzz -#}\n\xff\xfe{{ memo }}\n", "not UTF-8"),
        ("bytes", TOLERATE_J2.encode("utf-16"), "UTF-16"),
        ("bytes", b"\xef\xbb\xbf{% if %}\n", "a BOM, then a syntax error"),
    ):
        eid = c.new_id("tpl", slug)
        # Not text at all: the whole file is wrong, so no line is required.
        located = raw.startswith(b"\xef\xbb\xbf")
        c.add(
            Entry(
                eid,
                "template/encoding",
                memo_tpl("md"),
                {"tpl/tolerate.j2": raw},
                located=located,
                note=note,
            )
        )
    # --template FILE forms.
    for slug, files, name, note in (
        ("file", {"mine.j2": b"{{ 1/0 }}\n"}, "mine.j2", "--template with a division by zero"),
        ("file", {"mine.j2": b"{% for %}\n"}, "mine.j2", "--template with a syntax error"),
        ("file", {}, "missing.j2", "--template that does not exist"),
        ("file", {"mine.txt": b"{{ memo }}\n"}, "mine.txt", "--template of an unknown kind"),
    ):
        eid = c.new_id("tpl", slug)
        args = [
            "memo",
            TOLERATE_CASE,
            "--ruleset",
            "wanzhou",
            *AS_OF,
            "--template",
            f"{{entry}}/{name}",
        ]
        c.add(
            Entry(
                eid,
                "template/file",
                args,
                files,
                located=bool(files) and name.endswith(".j2"),
                note=note,
            )
        )


# Word's second copy of the styles, which rongcuo never reads, cut to an empty part to keep each
# broken .docx small; every other part is the bundled template's.
EMPTY_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
)


def docx_bytes(replace: dict[str, bytes | None], base: str = "tolerate.docx") -> bytes:
    """The bundled Word template with some members replaced (None drops one), zipped deterministically."""
    replace = {"word/stylesWithEffects.xml": EMPTY_STYLES, **replace}
    src = zipfile.ZipFile(TEMPLATES / base)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info.filename))
            if data is None:
                continue
            out.writestr(
                zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    return buf.getvalue()


def docx_templates(c: Corpus) -> None:
    document = zipfile.ZipFile(TEMPLATES / "tolerate.docx").read("word/document.xml")
    good = (TEMPLATES / "tolerate.docx").read_bytes()
    tag = b"{{ memo.case.cadre_name }}"
    assert tag in document
    bodies: list[tuple[str, bytes, str]] = [
        ("not-zip", b"this is not a zip file\n", "plain text named .docx"),
        ("not-zip", b"", "an empty .docx"),
        ("not-zip", good[: len(good) // 2], "a zip cut in half"),
        ("not-zip", b"PK\x03\x04" + b"\x00" * 100, "a zip header and nothing else"),
        (
            "bad-xml",
            docx_bytes({"word/document.xml": document[: len(document) // 2]}),
            "document.xml cut in half",
        ),
        (
            "bad-xml",
            docx_bytes({"word/document.xml": b"<w:document><unclosed>"}),
            "document.xml not well formed",
        ),
        (
            "bad-xml",
            docx_bytes({"[Content_Types].xml": b"<Types"}),
            "[Content_Types].xml not well formed",
        ),
        ("bad-xml", docx_bytes({"word/document.xml": None}), "no word/document.xml"),
        (
            "jinja",
            docx_bytes({"word/document.xml": document.replace(tag, b"{{ memo.case. }}", 1)}),
            "a Jinja syntax error in a tag",
        ),
        (
            "jinja",
            docx_bytes(
                {"word/document.xml": document.replace(tag, b"{{ memo.case.nickname }}", 1)}
            ),
            "an undefined variable",
        ),
        (
            "jinja",
            docx_bytes(
                {"word/document.xml": document.replace(tag, b"{{ ''.__class__.__mro__ }}", 1)}
            ),
            "a sandbox escape",
        ),
        (
            "jinja",
            docx_bytes({"word/document.xml": document.replace(tag, b"{{ 'x' * 10**9 }}", 1)}),
            "a gigabyte string",
        ),
    ]
    for slug, body, note in bodies:
        eid = c.new_id("docx", slug)
        located = slug == "jinja" and "syntax" not in note and "never closed" not in note
        c.add(
            Entry(
                eid,
                f"template/docx/{slug}",
                memo_tpl("docx"),
                {"tpl/tolerate.docx": body},
                located=located,
                note=note,
            )
        )


# ----------------------------------------------------------------------------- main


def build() -> Corpus:
    c = Corpus()
    rulesets_syntax(c)
    rulesets_wrong_types(c)
    rulesets_keys(c)
    rulesets_ids(c)
    rulesets_dates(c)
    rulesets_numbers(c)
    rulesets_nesting(c)
    rulesets_aliases(c)
    rulesets_bytes(c)
    rulesets_folders(c)
    rulesets_semantics(c)
    cases_syntax(c)
    cases_wrong_types(c)
    cases_facts(c)
    cases_hostile(c)
    cases_json(c)
    usage(c)
    templates(c)
    docx_templates(c)
    return c


def render(c: Corpus) -> dict[str, bytes]:
    """Every file of the corpus, by path relative to ``tests/fuzz``."""
    files: dict[str, bytes] = {}
    lines = [json.dumps(e.manifest(), ensure_ascii=False, sort_keys=True) for e in c.entries]
    files["manifest.jsonl"] = ("\n".join(lines) + "\n").encode("utf-8")
    for e in c.entries:
        for rel, data in e.files.items():
            files[f"{e.id}/{rel}"] = data
    return files


def on_disk(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def main(argv: list[str]) -> int:
    files = render(build())
    if "--check" in argv:
        if on_disk(OUT) != files:
            print(
                f"{OUT} differs from a fresh run: run python tools/make_fuzz_corpus.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if OUT.exists():
        shutil.rmtree(OUT)
    for rel, data in files.items():
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    total = sum(len(d) for d in files.values())
    entries = files["manifest.jsonl"].count(b"\n")
    print(f"{entries} entries, {len(files)} files, {total / 1e6:.2f} MB in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
