"""Case files: located, bilingual errors for a bad envelope or bad facts; the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rongcuo


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path, ruleset: str = "wanzhou") -> list[rongcuo.Diagnostic]:
    with pytest.raises(rongcuo.CaseError) as err:
        rongcuo.evaluate(path, ruleset, backend="reference")
    return err.value.diagnostics


def test_envelope_errors_all_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id: X-1\nincident_date: 2024-13-01\nfact:\n  motive: public\n",
    )
    diags = errors_of(path)
    assert [(d.code, d.location.line) for d in diags] == [("RC004", 1), ("RC005", 2), ("RC003", 3)]
    missing, date, unknown = diags
    assert missing.message_en == "missing required field 'title'"
    assert date.message_zh.startswith("incident_date 应为日期（YYYY-MM-DD）")
    assert unknown.hint == "是否想写 did you mean: 'facts'?"


def test_fact_errors_name_the_fact_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """id: X-2
title: 测试
incident_date: 2024-03-01
claimed_situations: [pilot_reform_deviaton]
facts:
  motiv: public
  intent: careless
  emergency: "yes"
  loss_recovered_ratio: 1.5
  loss_yuan: 100
evidence:
  - {id: E1, title: 会议纪要, supports: [collective_decison]}
""",
    )
    diags = errors_of(path)
    assert [(d.code, d.location.line) for d in diags] == [
        ("RC206", 4),
        ("RC202", 6),
        ("RC204", 7),
        ("RC203", 8),
        ("RC203", 9),
        ("RC207", 12),
    ]
    by_code = {d.code: d for d in diags}
    assert by_code["RC202"].message_en == "ruleset wanzhou declares no fact 'motiv'"
    assert by_code["RC202"].hint == "是否想写 did you mean: 'motive'?"
    assert by_code["RC204"].message_en == (
        "fact intent (enum) must be one of negligence, intentional, got the text 'careless'"
    )
    assert by_code["RC206"].hint.startswith("是否想写 did you mean: 'pilot_reform_deviation'")
    assert all(d.location.file.endswith("case.yaml") for d in diags)


def test_null_means_unknown(tmp_path: Path) -> None:
    path = write(
        tmp_path, "id: X-3\ntitle: 测试\nincident_date: 2024-03-01\nfacts:\n  motive: null\n"
    )
    d = rongcuo.evaluate(path, "wanzhou", backend="reference")
    motive = next(f for look in d.looks for f in look.facts if f.id == "motive")
    assert motive.value is None and motive.display == "未知"


def test_json_case_files_work(tmp_path: Path) -> None:
    data = {
        "id": "X-4",
        "title": "JSON 案件",
        "incident_date": "2024-03-01",
        "facts": {"emergency": True},
    }
    path = write(tmp_path, json.dumps(data, ensure_ascii=False), "case.json")
    assert rongcuo.evaluate(path, "wanzhou", backend="reference").case.id == "X-4"


def test_not_a_mapping_and_unreadable(tmp_path: Path) -> None:
    (d,) = errors_of(write(tmp_path, "- just\n- a list\n"))
    assert d.code == "RC201"
    (d,) = errors_of(tmp_path / "missing.yaml")
    assert d.code == "RC000"


def test_case_schema_lists_the_contract() -> None:
    schema = rongcuo.Case.model_json_schema()
    assert set(schema["required"]) == {"id", "title", "incident_date"}
    assert set(schema["properties"]) == {
        "id",
        "title",
        "incident_date",
        "cadre",
        "narrative",
        "claimed_situations",
        "facts",
        "evidence",
        "procedure",
        "corrections",
    }


def test_a_list_as_fact_value_gives_one_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, "id: X-5\ntitle: t\nincident_date: 2024-03-01\nfacts:\n  loss_yuan: [1, 2]\n"
    )
    (d,) = errors_of(path)
    assert (d.code, d.location.line) == ("RC203", 5)


def test_number_bounds_message(tmp_path: Path) -> None:
    path = write(
        tmp_path, "id: X-6\ntitle: t\nincident_date: 2024-03-01\nfacts:\n  loss_yuan: -5\n"
    )
    (d,) = errors_of(path)
    assert d.message_en == "fact loss_yuan (number) must lie within [0, +∞), got the number -5"


def test_procedure_dates_and_corrections_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id: X-6\ntitle: t\nincident_date: 2024-03-01\n"
        "procedure:\n  acepted: 2024-03-05\n"
        "corrections:\n  - who: 张某\n    due: 2024-13-01\n",
    )
    diags = errors_of(path)
    assert [(d.code, d.location.line) for d in diags] == [
        ("RC003", 5),
        ("RC004", 7),
        ("RC005", 8),
    ]
    assert "accepted" in diags[0].hint
