"""Calendar supplements: working days in a year typed from the State Council's notice, agreement
with chinese-calendar where both give a year, every mistake in a file located at once, the file
named (with its hash) in the memo, and ``rongcuo memo --calendar`` end to end.

Every schedule written here for a year chinese-calendar does not cover is synthetic test data:
made-up holidays, not a State Council schedule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo import CalendarError, CalendarSupplement, OfficialCalendar
from rongcuo.cli import main

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "calendar" / "example-2025.yaml"
CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
PACKAGE = f"chinese-calendar {version('chinese-calendar')}"
D = dt.date.fromisoformat

# Synthetic test data: a made-up holiday Mon 3 – Wed 5 March 2031 with Sat 8 March worked, and a
# made-up New Year Thu 1 – Fri 2 January 2032 with Sun 4 January worked.
FAR_FUTURE = """\
    # 合成测试数据，不是国务院的放假安排 synthetic test data, not a State Council schedule
    2031:
      notice: 合成测试数据（非真实通知） synthetic test data
      holidays:
        - {from: 2031-03-03, to: 2031-03-05, name: 合成假日}
      make_up_workdays: [2031-03-08]
    2032:
      notice: 合成测试数据（非真实通知） synthetic test data
      holidays:
        - {from: 2032-01-01, to: 2032-01-02, name: 合成元旦}
      make_up_workdays: [2032-01-04]
"""

# Synthetic test data for the first year chinese-calendar 1.11 lacks: a made-up holiday Fri 1 –
# Sun 3 January 2027 and Sat 9 January worked.
NEXT_YEAR = """\
    # 合成测试数据，不是 2027 年的放假安排 synthetic test data, not the 2027 schedule
    2027:
      notice: 合成测试数据（非真实通知） synthetic test data
      holidays:
        - {from: 2027-01-01, to: 2027-01-03, name: 合成假日}
      make_up_workdays: [2027-01-09]
"""


def write(folder: Path, text: str, name: str = "supplement.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(*paths: Path) -> list[rongcuo.Diagnostic]:
    with pytest.raises(CalendarError) as err:
        OfficialCalendar.with_supplements(*paths)
    return err.value.diagnostics


# --- working days in a supplemented year ----------------------------------------------------


def test_a_supplemented_year_skips_its_holidays_and_counts_a_make_up_saturday(
    tmp_path: Path,
) -> None:
    cal = OfficialCalendar.with_supplements(write(tmp_path, FAR_FUTURE))
    assert cal.covers(D("2031-06-01")) and cal.covers(D("2032-06-01"))
    assert not cal.covers(D("2030-06-01")) and not cal.covers(D("2033-01-01"))
    assert not cal.is_working_day(D("2031-03-04"))  # a Tuesday in the made-up holiday
    assert cal.is_working_day(D("2031-03-08"))  # a Saturday worked
    assert not cal.is_working_day(D("2031-03-09"))  # an ordinary Sunday
    assert cal.is_working_day(D("2031-03-10"))  # an ordinary Monday
    # From Fri 28 Feb: 3/3–3/5 off, Thu 3/6 (1), Fri 3/7 (2), Sat 3/8 (3).
    assert cal.add_working_days(D("2031-02-28"), 3) == D("2031-03-08")
    assert cal.add_working_days(D("2031-02-28"), 4) == D("2031-03-10")


def test_a_deadline_crosses_from_one_supplemented_year_into_the_next(tmp_path: Path) -> None:
    cal = OfficialCalendar.with_supplements(write(tmp_path, FAR_FUTURE))
    # From Mon 29 Dec 2031: 12/30 (1), 12/31 (2), 1/1–1/3 off, Sun 1/4 worked (3), Mon 1/5 (4).
    assert cal.add_working_days(D("2031-12-29"), 3) == D("2032-01-04")
    assert cal.add_working_days(D("2031-12-29"), 4) == D("2032-01-05")


def test_a_deadline_crosses_from_the_package_into_a_supplemented_year(tmp_path: Path) -> None:
    cal = OfficialCalendar.with_supplements(write(tmp_path, NEXT_YEAR))
    assert (cal.first_year, cal.last_year) == (OfficialCalendar().first_year, 2027)
    # From Fri 25 Dec 2026: 12/28–12/31 (4), 1/1–1/3 off, 1/4–1/8 (9), Sat 1/9 (10), 1/11–1/15 (15).
    assert cal.add_working_days(D("2026-12-25"), 15) == D("2027-01-15")
    with pytest.raises(CalendarError):
        OfficialCalendar().add_working_days(D("2026-12-25"), 15)


def test_a_deadline_in_a_year_neither_source_covers_is_rc406(tmp_path: Path) -> None:
    cal = OfficialCalendar.with_supplements(write(tmp_path, NEXT_YEAR))
    with pytest.raises(CalendarError) as err:
        cal.add_working_days(D("2027-12-20"), 15)
    (d,) = err.value.diagnostics
    assert d.code == "RC406"
    assert f"只覆盖 {cal.first_year}–2027 年（{cal.source}）" in d.message_zh
    assert d.message_en.endswith("needs the 2028 holiday schedule")
    assert "--calendar" in d.hint and "pip install -U chinese-calendar" in d.hint


def test_a_gap_between_the_package_and_a_supplement_is_not_covered(tmp_path: Path) -> None:
    cal = OfficialCalendar.with_supplements(write(tmp_path, FAR_FUTURE))
    package_last = OfficialCalendar().last_year
    assert cal.last_year == package_last  # 2031–2032 do not join the package's run of years
    with pytest.raises(CalendarError) as err:
        cal.add_working_days(D(f"{package_last}-12-28"), 10)
    (d,) = err.value.diagnostics
    assert d.code == "RC406"
    assert f"covers {cal.first_year}–{package_last}、2031–2032 only" in d.message_en
    assert f"needs the {package_last + 1} holiday schedule" in d.message_en


# --- agreement with chinese-calendar ------------------------------------------------------


def test_the_bundled_example_agrees_with_the_package_day_by_day() -> None:
    plain = OfficialCalendar()
    cal = OfficialCalendar.with_supplements(EXAMPLE)
    (year,) = cal.supplements[0].years
    assert year.notice == "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"
    day = D("2025-01-01")
    while day.year == 2025:
        assert year.is_working_day(day) == plain.is_working_day(day) == cal.is_working_day(day)
        day += dt.timedelta(days=1)
    assert cal.add_working_days(D("2025-09-26"), 5) == D("2025-10-10")


def test_a_covered_year_that_disagrees_with_the_package_names_the_first_day(
    tmp_path: Path,
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    # A typo: National Day ends on the 9th instead of the 8th.
    wrong = text.replace("to: 2025-10-08", "to: 2025-10-09")
    assert wrong != text
    path = tmp_path / "wrong-2025.yaml"
    path.write_text(wrong, encoding="utf-8")
    (d,) = problems(path)
    line = 1 + wrong.splitlines().index(
        "    - {from: 2025-10-01, to: 2025-10-09, name: 国庆节、中秋节}"
    )
    assert (d.code, d.location.file, d.location.line) == ("RC409", str(path), line)
    assert d.message_zh == (
        f"2025 年的安排与 {PACKAGE} 不一致：2025-10-09（星期四）按本文件是休息日，"
        "按 chinese-calendar 是工作日"
    )
    assert d.message_en == (
        f"the 2025 schedule disagrees with {PACKAGE}: 2025-10-09 (Thursday) is a day off in this "
        "file but a working day in chinese-calendar"
    )


def test_a_missing_make_up_day_in_a_covered_year_is_located_at_the_year(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        2025:
          notice: 缺了调休上班日的 2025 年
          holidays:
            - {from: 2025-01-01, name: 元旦}
            - {from: 2025-01-28, to: 2025-02-04, name: 春节}
            - {from: 2025-04-04, to: 2025-04-06, name: 清明节}
            - {from: 2025-05-01, to: 2025-05-05, name: 劳动节}
            - {from: 2025-05-31, to: 2025-06-02, name: 端午节}
            - {from: 2025-10-01, to: 2025-10-08, name: 国庆节、中秋节}
          make_up_workdays: []
        """,
    )
    (d,) = problems(path)
    assert (d.code, d.location.line, d.location.column) == ("RC409", 1, 1)
    assert d.message_en.endswith(
        "2025-01-26 (Sunday) is a day off in this file but a working day in chinese-calendar; "
        "5 days of the year disagree"
    )


# --- validation: every problem, located -----------------------------------------------------

VALID_YEAR = """\
2031:
  notice: 合成测试数据
  holidays:
    - {from: 2031-03-03, to: 2031-03-05, name: 合成假日}
  make_up_workdays: [2031-03-08]
"""

CASES: list[tuple[str, str, tuple[str, int, int], str, str]] = [
    (
        "unknown key",
        VALID_YEAR + "  note: x\n",
        ("RC003", 6, 3),
        "未知的键 'note'",
        "unknown key 'note'",
    ),
    (
        "unknown key in a holiday",
        VALID_YEAR.replace("name: 合成假日}", "name: 合成假日, days: 3}"),
        ("RC003", 4, 54),
        "未知的键 'days'",
        "unknown key 'days'",
    ),
    (
        "missing notice",
        VALID_YEAR.replace("  notice: 合成测试数据\n", ""),
        ("RC004", 2, 3),
        "缺少必填的键 'notice'",
        "missing required key 'notice'",
    ),
    (
        "missing make-up workdays",
        VALID_YEAR.replace("  make_up_workdays: [2031-03-08]\n", ""),
        ("RC004", 2, 3),
        "缺少必填的键 'make_up_workdays'",
        "missing required key 'make_up_workdays'",
    ),
    (
        "missing from",
        VALID_YEAR.replace("{from: 2031-03-03, to:", "{to:"),
        ("RC004", 4, 7),
        "缺少必填的键 'from'",
        "missing required key 'from'",
    ),
    (
        "empty notice",
        VALID_YEAR.replace("notice: 合成测试数据", 'notice: ""'),
        ("RC005", 2, 11),
        "`notice` 不能为空：写明放假安排所依据的国务院办公厅通知及文号",
        "`notice` must not be empty: cite the State Council notice the schedule comes from",
    ),
    (
        "no holidays",
        VALID_YEAR.replace(
            "  holidays:\n    - {from: 2031-03-03, to: 2031-03-05, name: 合成假日}\n",
            "  holidays: []\n",
        ),
        ("RC004", 3, 13),
        "2031 年没有写放假安排：`holidays` 至少要有一项",
        "no holidays given for 2031: `holidays` needs at least one item",
    ),
    (
        "not a real date",
        VALID_YEAR.replace("from: 2031-03-03", "from: 2031-02-30"),
        ("RC005", 4, 14),
        "`from` 应为日期（YYYY-MM-DD），实际是文字 '2031-02-30'",
        "`from` must be a date (YYYY-MM-DD) (got the text '2031-02-30')",
    ),
    (
        "a make-up day that is not a date",
        VALID_YEAR.replace("[2031-03-08]", "[March 8]"),
        ("RC005", 5, 22),
        "`make_up_workdays` 应为日期（YYYY-MM-DD），实际是文字 'March 8'",
        "`make_up_workdays` must be a date (YYYY-MM-DD) (got the text 'March 8')",
    ),
    (
        "range ends before it starts",
        VALID_YEAR.replace("to: 2031-03-05", "to: 2031-03-01"),
        ("RC407", 4, 30),
        "放假区间的结束日期 2031-03-01 早于开始日期 2031-03-03",
        "the holiday range ends (2031-03-01) before it starts (2031-03-03)",
    ),
    (
        "holiday outside its year",
        VALID_YEAR.replace("from: 2031-03-03", "from: 2030-12-31"),
        ("RC407", 4, 14),
        "2030-12-31 不在 2031 年内，却写在 2031 年之下",
        "2030-12-31 is not in 2031 but is listed under it",
    ),
    (
        "make-up day outside its year",
        VALID_YEAR.replace("[2031-03-08]", "[2032-01-03]"),
        ("RC407", 5, 22),
        "2032-01-03 不在 2031 年内，却写在 2031 年之下",
        "2032-01-03 is not in 2031 but is listed under it",
    ),
    (
        "make-up day on a weekday",
        VALID_YEAR.replace("[2031-03-08]", "[2031-03-07]"),
        ("RC408", 5, 22),
        "调休上班日 2031-03-07（星期五）不是周六或周日",
        "make-up workday 2031-03-07 (Friday) is not a Saturday or Sunday",
    ),
    (
        "make-up day inside a holiday",
        VALID_YEAR.replace("to: 2031-03-05", "to: 2031-03-09"),
        ("RC408", 5, 22),
        "2031-03-08 既列为调休上班日，又在第 4 行的放假安排“合成假日”（2031-03-03–2031-03-09）之内",
        "2031-03-08 is listed as a make-up workday but falls in holiday '合成假日' "
        "(2031-03-03–2031-03-09) at line 4",
    ),
    (
        "make-up day listed twice",
        VALID_YEAR.replace("[2031-03-08]", "[2031-03-08, 2031-03-08]"),
        ("RC408", 5, 34),
        "调休上班日 2031-03-08 重复列出（首次在第 5 行）",
        "make-up workday 2031-03-08 is listed twice (first at line 5)",
    ),
    (
        "overlapping holidays",
        VALID_YEAR.replace(
            "name: 合成假日}\n", "name: 合成假日}\n    - {from: 2031-03-05, name: 又一个}\n"
        ),
        ("RC408", 5, 7),
        "放假安排“又一个”与第 4 行的“合成假日”重叠（2031-03-05）",
        "holiday '又一个' overlaps '合成假日' at line 4 (2031-03-05)",
    ),
    (
        "a year given twice",
        VALID_YEAR + VALID_YEAR.replace("2031:", '"2031":'),
        ("RC410", 6, 1),
        "2031 年的放假安排重复给出（首次在 {file}:1:1）",
        "the 2031 schedule is given twice (first at {file}:1:1)",
    ),
    (
        "a year key repeated in YAML",
        VALID_YEAR + VALID_YEAR,
        ("RC002", 6, 1),
        "键 2031 重复出现（首次在第 1 行）",
        "duplicate key 2031 (first at line 1)",
    ),
    (
        "not a year",
        "holidays: []\n",
        ("RC005", 1, 1),
        "年份应为四位数字（如 2027），实际是文字 'holidays'",
        "a year must be four digits (e.g. 2027), got the text 'holidays'",
    ),
    (
        "not a mapping",
        "- 2031\n",
        ("RC005", 1, 1),
        "该值 the value 应为映射（键: 值），实际是列表",
        "该值 the value must be a mapping (key: value) (got a list)",
    ),
    (
        "empty file",
        "# nothing yet\n",
        ("RC004", 1, 1),
        "补充日历中没有任何年份",
        "the calendar supplement gives no year",
    ),
    (
        "YAML syntax",
        VALID_YEAR.replace("name: 合成假日}", "name: 合成假日"),
        ("RC001", 5, 19),
        "YAML 语法错误：did not find expected ',' or '}'",
        "YAML syntax error: did not find expected ',' or '}'",
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "zh", "en"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_mistake_is_one_located_diagnostic(
    tmp_path: Path, text: str, where: tuple[str, int, int], zh: str, en: str
) -> None:
    path = tmp_path / "supplement.yaml"
    path.write_text(text, encoding="utf-8")
    (d,) = problems(path)
    assert (d.code, d.location.line, d.location.column) == where
    assert d.location.file == str(path)
    assert d.message_zh == zh.replace("{file}", str(path))
    assert d.message_en == en.replace("{file}", str(path))


def test_every_mistake_in_a_file_is_reported_at_once_in_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        2031:
          notice: 合成测试数据
          holiday: []
          holidays:
            - {from: 2031-03-05, to: 2031-03-03, name: 颠倒}
            - {from: 2030-12-31, name: 跨年}
          make_up_workdays: [2031-03-07, 2031-13-01]
        2032:
          holidays:
            - {from: 2032-01-01, name: 合成元旦}
          make_up_workdays: []
        """,
    )
    found = [(d.code, d.location.line) for d in problems(path, tmp_path / "missing.yaml")]
    assert found == [
        ("RC000", 0),  # missing.yaml sorts before supplement.yaml
        ("RC003", 3),  # holiday
        ("RC407", 5),  # ends before it starts
        ("RC407", 6),  # 2030-12-31 under 2031
        ("RC408", 7),  # a Friday as a make-up workday (column 22) …
        ("RC005", 7),  # … and month 13 (column 34)
        ("RC004", 9),  # 2032 has no notice
    ]


def test_a_year_given_in_two_files_is_rc410(tmp_path: Path) -> None:
    a = write(tmp_path, NEXT_YEAR, "a.yaml")
    b = write(tmp_path, NEXT_YEAR, "b.yaml")
    (d,) = problems(a, b)
    assert (d.code, d.location.file, d.location.line) == ("RC410", str(b), 2)
    assert d.message_en == f"the 2027 schedule is given twice (first at {a}:2:1)"
    with pytest.raises(CalendarError):  # the constructor checks it too
        OfficialCalendar((CalendarSupplement.load(a), CalendarSupplement.load(b)))


def test_json_supplements_and_quoted_dates_are_read(tmp_path: Path) -> None:
    path = tmp_path / "2031.json"
    path.write_text(
        '{"2031": {"notice": "合成测试数据", "make_up_workdays": ["2031-03-08"],'
        ' "holidays": [{"from": "2031-03-03", "to": "2031-03-05", "name": "合成假日"}]}}',
        encoding="utf-8",
    )
    assert OfficialCalendar.with_supplements(path).add_working_days(D("2031-02-28"), 3) == D(
        "2031-03-08"
    )


# --- the calendar as a value, and what memos say about it -----------------------------------


def test_source_names_the_file_and_its_hash_wherever_it_lies(tmp_path: Path) -> None:
    path = write(tmp_path, NEXT_YEAR, "2027-synthetic.yaml")
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    copy = write(elsewhere, NEXT_YEAR, "2027-synthetic.yaml")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cal = OfficialCalendar.with_supplements(path)
    assert cal.supplements[0].sha256 == digest
    assert cal.source == f"{PACKAGE}，补充日历 2027-synthetic.yaml（2027 年，sha256 {digest[:12]}）"
    assert OfficialCalendar.with_supplements(copy).source == cal.source
    assert OfficialCalendar().source == PACKAGE


def test_the_calendar_is_a_frozen_hashable_value(tmp_path: Path) -> None:
    path = write(tmp_path, FAR_FUTURE)
    a, b = OfficialCalendar.with_supplements(path), OfficialCalendar.with_supplements(path)
    assert a == b and hash(a) == hash(b)
    assert a != OfficialCalendar() and OfficialCalendar() == OfficialCalendar()
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.last_year = 2099  # type: ignore[misc]


def test_a_memo_names_the_supplement_and_repeats_byte_for_byte(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, NEXT_YEAR, "2027-synthetic.yaml")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    memos = [
        engine.memo(
            CASE,
            ruleset="wanzhou",
            as_of=D("2026-12-20"),
            calendar=OfficialCalendar.with_supplements(path),
        ).data
        for _ in range(2)
    ]
    assert memos[0] == memos[1]
    text = memos[0].decode()
    assert "截止日期为**2027年1月15日**" in text
    assert (
        f"工作日历 {PACKAGE}，补充日历 2027-synthetic.yaml（2027 年，sha256 {digest}），"
        f"覆盖 {OfficialCalendar().first_year}–2027 年。"
    ) in text


# --- the command line -----------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_memo_with_calendar_renders_deadlines_in_the_supplemented_year(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, NEXT_YEAR, "2027-synthetic.yaml")
    args = ("memo", str(CASE), "--ruleset", "wanzhou", "--as-of", "2026-12-20")
    code, _, err = run(*args)
    assert code == 1 and "error RC406" in err and "--calendar" in err
    code, out, err = run(*args, "--calendar", str(path))
    assert code == 0, err
    assert "容错免责认定意见（建议）" in out
    assert "截止日期为**2026年12月25日**" in out  # 5 working days, inside the package's years
    assert "截止日期为**2027年1月15日**" in out  # 15 more, across the synthetic holiday
    assert "补充日历 2027-synthetic.yaml（2027 年，sha256 " in out


def test_cli_memo_with_a_bad_calendar_prints_located_errors_and_exits_1(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, VALID_YEAR.replace("[2031-03-08]", "[2031-03-07]"))
    code, out, err = run(
        "memo", str(CASE), "--ruleset", "wanzhou", "--as-of", "2025-09-26", "--calendar", str(path)
    )
    assert code == 1 and out == ""
    assert f"{path}:5:22: error RC408 [[2031].make_up_workdays[0]]" in err
    assert "1 error(s), 0 warning(s)" in err
    assert "Traceback" not in err


def test_cli_memo_of_a_folder_reads_the_calendar_once(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / CASE.name).write_bytes(CASE.read_bytes())
    code, _, err = run(
        "memo",
        str(cases),
        "--ruleset",
        "wanzhou",
        "--as-of",
        "2026-12-20",
        "-o",
        str(tmp_path / "memos"),
        "--calendar",
        str(write(tmp_path, NEXT_YEAR)),
        "--calendar",
        str(EXAMPLE),
    )
    assert code == 0, err
    (memo,) = (tmp_path / "memos").iterdir()
    text = memo.read_text(encoding="utf-8")
    assert "截止日期为**2027年1月15日**" in text
    assert "补充日历 supplement.yaml（2027 年" in text and "、example-2025.yaml（2025 年" in text
