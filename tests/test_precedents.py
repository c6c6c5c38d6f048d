"""The typical-case library: near-duplicates found first, no name left, refusal, determinism."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from rongcuo.api import Engine
from rongcuo.errors import InputError
from rongcuo.precedents.anonymise import AnonymiseError, Pseudonyms, Table, collect_terms
from rongcuo.precedents.build import (
    build_library,
    load_entries,
    load_index,
    make_entries,
)
from rongcuo.precedents.entry import decide_cases, features
from rongcuo.precedents.search import search, similarity

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WZ = sorted(EXAMPLES.glob("wz-*.yaml"))
SEEDS = WZ[:20]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(backend="reference")


@pytest.fixture(scope="module")
def wz_library(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    decided = decide_cases(engine, WZ, "wanzhou")
    built = make_entries(decided)
    out = tmp_path_factory.mktemp("lib")
    build_library(built.entries, out)
    by_source = {src: e.library_id for src, e in zip(built.sources, built.entries, strict=True)}
    return {"dir": out, "index": load_index(out), "by_source": by_source, "built": built}


def _variant(path: Path, tmp: Path, change: str) -> Path:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if change == "narrative":
        data["narrative"] = (data.get("narrative") or "") + "（另查明：相关台账已补齐。）"
    else:  # one fact changed: the loss by one yuan, or else whether it was self-reported
        facts = data["facts"]
        if isinstance(facts.get("loss_yuan"), int | float):
            facts["loss_yuan"] += 1
        else:
            facts["self_reported"] = not facts.get("self_reported", False)
    out = tmp / f"{change}-{path.name}"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem[:5] for p in SEEDS])
@pytest.mark.parametrize("change", ["narrative", "fact"])
def test_a_cases_near_duplicate_ranks_first(
    seed: Path, change: str, engine: Engine, wz_library: dict[str, Any], tmp_path: Path
) -> None:
    query = decide_cases(engine, [_variant(seed, tmp_path, change)], "wanzhou")[0]
    hits = search(features(query), wz_library["index"], top=3)
    assert hits[0].library_id == wz_library["by_source"][str(seed)]
    assert hits[0].score > hits[1].score
    if change == "narrative":
        assert hits[0].score == 1.0


def test_similarity_is_weighted_jaccard_and_ties_go_by_id(wz_library: dict[str, Any]) -> None:
    score, shared = similarity(
        {"situations": ["a", "b"], "looks": ["x"]},
        {"situations": ["b"], "looks": ["x", "y"]},
        {"situations": 3, "looks": 1},
    )
    assert score == pytest.approx((3 * 1 + 1 * 1) / (3 * 2 + 1 * 2))
    assert shared == {"situations": ["b"], "looks": ["x"]}
    hits = search({}, wz_library["index"], top=100)
    assert all(h.score == 0 for h in hits)
    assert [h.library_id for h in hits] == sorted(h.library_id for h in hits)


def test_hits_say_what_they_share_and_their_outcome(
    engine: Engine, wz_library: dict[str, Any]
) -> None:
    query = decide_cases(engine, [EXAMPLES / "wz-01-pilot-tolerate.yaml"], "wanzhou")[0]
    best = search(features(query), wz_library["index"], top=1)[0]
    assert best.outcome == "tolerate"
    assert (
        best.shared["situations"] == ["pilot_reform_deviation"]
        or "pilot_reform_deviation" in (best.shared["situations"])
    )
    assert best.shared["work_area"] == ["reform_pilot"]
    assert not best.final


def test_a_build_is_deterministic(engine: Engine, tmp_path: Path) -> None:
    def build(out: Path) -> dict[str, bytes]:
        built = make_entries(decide_cases(engine, WZ[:8], "wanzhou"))
        build_library(built.entries, out)
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

    first = build(tmp_path / "a")
    assert first == build(tmp_path / "b")
    assert first == build(tmp_path / "a")  # rebuilt in place
    assert "index.json" in first and len(first) == 9


def test_a_rebuild_removes_entries_no_longer_listed(engine: Engine, tmp_path: Path) -> None:
    build_library(make_entries(decide_cases(engine, WZ[:6], "wanzhou")).entries, tmp_path)
    build_library(make_entries(decide_cases(engine, WZ[:2], "wanzhou")).entries, tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 3
    assert len(load_entries(tmp_path)) == 2


def _case(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (EXAMPLES / "wz-01-pilot-tolerate.yaml").read_text(encoding="utf-8")
    )
    data.update(over)
    return data


def _decided(engine: Engine, tmp: Path, *cases: dict[str, Any]) -> list[Any]:
    files = []
    for n, data in enumerate(cases):
        path = tmp / f"case-{n}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        files.append(path)
    return decide_cases(engine, files, "wanzhou")


@pytest.mark.parametrize("variant", ["王 建国", "王·建国", "王\u200b建国"])
def test_a_name_variant_left_is_refused_and_nothing_written(
    variant: str, engine: Engine, tmp_path: Path
) -> None:
    case = _case(
        cadre={"name": "王建国", "position": "副主任", "unit": "青山区某街道办事处"},
        narrative=f"王建国牵头试点。后经查，{variant}主动报告。",
    )
    with pytest.raises(AnonymiseError) as err:
        make_entries(_decided(engine, tmp_path, case))
    codes = {(d.code, d.location.path) for d in err.value.diagnostics}
    assert ("RC750", ("case", "narrative")) in codes
    # the entry's own 案情 drops the spaces a folded YAML line leaves, so "王 建国" is
    # replaced there; the other variants are refused in both places
    assert (("RC750", ("narrative",)) in codes) == (variant != "王 建国")
    assert not (tmp_path / "lib").exists()


def test_the_same_cadre_keeps_one_letter_across_entries(engine: Engine, tmp_path: Path) -> None:
    one = _case(id="A-1", cadre={"name": "赵立", "unit": "青山区财政局"}, narrative="赵立主办。")
    two = _case(id="A-2", cadre={"name": "钱平", "unit": "青山区水利局"}, narrative="钱平主办。")
    three = _case(id="A-3", cadre={"name": "赵立", "unit": "青山区财政局"}, narrative="赵立。")
    built = make_entries(_decided(engine, tmp_path, one, two, three))
    names = [e.case["cadre"]["name"] for e in built.entries]
    assert names == ["某甲", "某乙", "某甲"]
    assert [e.case["cadre"]["unit"] for e in built.entries] == ["某局", "某局", "某局"]
    assert built.entries[0].narrative == "某甲主办。"
    assert [e.library_id for e in built.entries] == [
        "典型案例 2024-01",
        "典型案例 2024-02",
        "典型案例 2024-03",
    ]
    assert "id" not in built.entries[0].case["cadre"]


def test_units_keep_their_type_and_redact_terms_go_too() -> None:
    p = Pseudonyms(Table.load())
    assert p.unit("万州区某街道办事处") == "某街道办事处"
    assert p.unit("中共万州区纪委监委") == "某纪委监委"
    assert p.unit("青山镇中心小学") == "某小学"
    assert p.unit("无后缀") == "某单位"
    terms = collect_terms(
        {"id": "X-1", "cadre": {"name": "李四", "unit": "青山镇"}},
        "典型案例 2024-01",
        p,
        redact=[("青山", None), ("云溪村委会", None), ("老李", "某某")],
    )
    assert terms == {
        "X-1": "典型案例 2024-01",
        "李四": "某甲",
        "青山镇": "某镇",
        "青山": "某某",
        "云溪村委会": "某村委会",
        "老李": "某某",
    }


def test_a_surname_with_mou_left_is_a_warning(engine: Engine, tmp_path: Path) -> None:
    case = _case(narrative="张某牵头试点，副主任刘某某配合。")
    built = make_entries(_decided(engine, tmp_path, case))
    warned = [(d.code, d.severity, d.message_en) for d in built.warnings]
    assert (
        "RC751",
        "warning",
        "'刘某某' in the text may name a person no field of the case lists",
    ) in warned
    assert built.entries[0].narrative.startswith("某甲牵头试点")


def test_nothing_to_build_is_rc755() -> None:
    with pytest.raises(InputError) as err:
        make_entries([])
    assert err.value.diagnostics[0].code == "RC755"


def test_entry_holds_the_deciding_rule_looks_and_work_area(
    wz_library: dict[str, Any],
) -> None:
    lib = wz_library["by_source"][str(EXAMPLES / "wz-06-art18-mitigate.yaml")]
    entry = next(e for e in load_entries(wz_library["dir"]) if e.library_id == lib)
    assert entry.outcome == "mitigate"
    assert entry.deciding_rule is not None
    assert entry.deciding_rule["clause"] == "第十八条"
    assert [k["id"] for k in entry.looks][:2] == ["motive_attitude", "objective_conditions"]
    assert entry.work_area == [{"id": "other", "label": "其他"}]
    assert entry.points[0].startswith("不符合容错情形，但及时补救")
    assert entry.decided_on == dt.date(2024, 5, 27).isoformat()


def test_a_given_name_alone_is_a_warning_and_a_term_inside_its_replacement_is_no_leak(
    engine: Engine, tmp_path: Path
) -> None:
    case = _case(
        cadre={"name": "王建国", "unit": "万州区某街道办事处"},
        narrative="王建国牵头试点，区委同意，建国同志主动报告。",
    )
    built = make_entries(_decided(engine, tmp_path, case), redact=[("区委", None)])
    [entry] = built.entries
    assert entry.narrative == "某甲牵头试点，某区委同意，建国同志主动报告。"
    assert [(d.code, d.location.path) for d in built.warnings] == [("RC751", ("narrative",))]


def test_a_non_empty_folder_that_is_no_library_is_refused(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    entries = make_entries(decide_cases(engine, WZ[:1], "wanzhou")).entries
    with pytest.raises(InputError) as err:
        build_library(entries, tmp_path)
    assert [d.code for d in err.value.diagnostics] == ["RC753"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
