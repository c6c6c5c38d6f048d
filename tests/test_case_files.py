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
        "conduct_until",
        "allegations",
        "sanction",
        "accountability_body",
        "managing_department",
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


# --- blank ids and dates with a time (issue 12, item 16) -------------------------------------


def test_blank_case_id_is_rc005(tmp_path: Path) -> None:
    path = write(tmp_path, 'id: "   "\ntitle: "\\t"\nincident_date: 2024-03-18\n')
    diags = errors_of(path)
    assert [(d.code, d.location.line, d.location.path) for d in diags] == [
        ("RC005", 1, ("id",)),
        ("RC005", 2, ("title",)),
    ]
    assert diags[0].message_en == "id must not be empty or only spaces"
    path = write(tmp_path, "{}", "case.json")
    path.write_text('{"id": "", "title": "t", "incident_date": "2024-03-18"}', encoding="utf-8")
    (d,) = errors_of(path)
    assert (d.code, d.message_en) == ("RC005", "id must not be empty or only spaces")


def test_case_dates_with_a_time_are_rc005_not_cut_to_the_day(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """id: X-1
title: t
incident_date: 2024-03-18 10:00:00
procedure: {accepted: "2024-04-01T09:30", decided: 2024-04-02T00:00:00}
corrections:
  - {what: 修订规则, due: "2024-06-30 17:00"}
""",
    )
    diags = errors_of(path)
    assert [(d.code, d.location.line, d.location.path) for d in diags] == [
        ("RC005", 3, ("incident_date",)),
        ("RC005", 4, ("procedure", "accepted")),
        ("RC005", 4, ("procedure", "decided")),
        ("RC005", 6, ("corrections", 0, "due")),
    ]
    assert diags[0].message_en == (
        "incident_date must be a date (YYYY-MM-DD), got the date and time 2024-03-18 10:00:00"
    )
    assert diags[0].hint == "只写日期，不写时刻 write the day only, without a time: 2024-03-18"
    assert diags[1].hint.endswith("without a time: 2024-04-01")


def test_case_date_forms_other_than_the_documented_one_are_rc005(tmp_path: Path) -> None:
    for raw in ("20240318", "2024-W12-1", "0"):
        path = write(tmp_path, f"id: X-1\ntitle: t\nincident_date: {raw}\n")
        (d,) = errors_of(path)
        assert (d.code, d.location.path, d.hint) == (
            "RC005",
            ("incident_date",),
            "例如 e.g. 2024-03-18",
        )


def test_date_fact_with_a_time_is_rc203(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id: X-1\ntitle: t\nincident_date: 2024-03-18\nfacts:\n  loss_yuan: 5\n",
    )
    rules = tmp_path / "rulesets" / "local"
    rules.mkdir(parents=True)
    (rules / "1.yaml").write_text(
        """id: local
title: t
version: "1"
effective_from: 2020-01-01
extends: national
facts:
  - {id: reported_on, type: date, label: 报告日期}
""",
        encoding="utf-8",
    )
    for value in ('"2024-03-19 08:00"', "2024-03-19T08:00:00"):
        path.write_text(
            f"id: X-1\ntitle: t\nincident_date: 2024-03-18\nfacts:\n  reported_on: {value}\n",
            encoding="utf-8",
        )
        with pytest.raises(rongcuo.CaseError) as err:
            rongcuo.evaluate(path, "local", paths=[tmp_path / "rulesets"], backend="reference")
        (d,) = err.value.diagnostics
        assert (d.code, d.location.line) == ("RC203", 5), value
