"""No name is left anywhere in a library's files: names generated and put in every field."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongcuo.api import Engine
from rongcuo.precedents.build import build_library, make_entries
from rongcuo.precedents.entry import decide_cases

BASE = Path(__file__).resolve().parent.parent / "examples" / "clearing"
ENGINE = Engine(backend="reference")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭"
GIVEN = "伟芳娜秀敏静丽磊洋艳杰娟涛霞桂翠鹏斌瑶琪"
PLACES = "青云溪桃柳松梅竹枫柏"
SUFFIXES = ["局", "街道办事处", "镇", "村委会", "社区", "公司", "中学", "医院"]

person = st.builds(
    lambda s, g: s + g, st.sampled_from(SURNAMES), st.text(GIVEN, min_size=1, max_size=2)
)
unit = st.builds(
    lambda p, s: p + s, st.text(PLACES, min_size=2, max_size=3), st.sampled_from(SUFFIXES)
)


def _case(cadre: str, unit_name: str, reporter: str, body: str, dept: str) -> dict[str, Any]:
    path = BASE / "wz-c03-revenge-slander-by-dismissed-clerk-cleared.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = f"{cadre}（{unit_name}）经{body}、{dept}与举报人{reporter}"
    data["title"] = f"{cadre}在{unit_name}被举报案"
    data["narrative"] = f"{where}核实。{cadre}系{unit_name}干部，{reporter}所举报内容失实。"
    data["cadre"] = {
        "id": f"{cadre}-01",
        "name": cadre,
        "position": f"{unit_name}副职",
        "unit": unit_name,
    }
    data["accountability_body"] = {"kind": "discipline_commission", "name": body}
    data["managing_department"] = dept
    data["evidence"] = [{"id": "E1", "title": f"{reporter}的举报信及{cadre}的说明", "supports": []}]
    data["corrections"] = [{"what": f"{unit_name}完善制度，{cadre}说明情况", "who": cadre}]
    for allegation in data["allegations"]:
        allegation["summary"] = f"{reporter}反映{cadre}在{unit_name}的问题"
        allegation["reporter"] = {**(allegation.get("reporter") or {}), "name": reporter}
    return data


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cadre=person, unit_name=unit, reporter=person, body=unit, dept=unit)
def test_no_generated_name_is_left_in_the_library_files(
    cadre: str, unit_name: str, reporter: str, body: str, dept: str
) -> None:
    names = {cadre, unit_name, reporter, body, dept}
    tmp = Path(tempfile.mkdtemp())
    try:
        path = tmp / "case.yaml"
        data = _case(cadre, unit_name, reporter, body, dept)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        built = make_entries(decide_cases(ENGINE, [path], "wanzhou"))
        build_library(built.entries, tmp / "lib")
        files = sorted((tmp / "lib").iterdir())
        assert len(files) == 2
        blob = b"".join(f.read_bytes() for f in files)
        for name in names:
            assert name.encode() not in blob, name
        assert b"WZ-" not in blob  # the case id is replaced by the library id
        entry = built.entries[0]
        assert entry.case["managing_department"] == "某" + _suffix(dept)
        assert entry.case["allegations"][0]["reporter"]["name"].startswith("某")
    finally:
        shutil.rmtree(tmp)


def _suffix(unit_name: str) -> str:
    return next(s for s in sorted(SUFFIXES, key=len, reverse=True) if unit_name.endswith(s))
