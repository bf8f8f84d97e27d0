"""Reply deadlines: months from the date received, month ends clamped, holidays and 调休 days honoured."""
from __future__ import annotations

import datetime as dt

import pytest

from oa_liaison_plugin.replies.deadlines import add_months, calendar_known, due_date

D = dt.date.fromisoformat


@pytest.mark.parametrize("start,months,expected", [
    ("2017-11-30", 3, "2018-02-28"),   # month end clamps
    ("2023-11-30", 3, "2024-02-29"),   # …to the 29th in a leap year
    ("2017-01-31", 1, "2017-02-28"),
    ("2017-03-31", 3, "2017-06-30"),
    ("2017-10-15", 3, "2018-01-15"),   # across the year end
])
def test_months_clamp_at_month_ends(start, months, expected):
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize("start,expected,why", [
    ("2017-11-30", "2018-02-28", "a Wednesday: stays"),
    ("2019-11-29", "2020-03-02", "2020-02-29 is a Saturday (leap day): next Monday"),
    ("2017-07-01", "2017-10-09", "2017-10-01..08 is the 国庆/中秋 holiday, and 10-08 a Sunday"),
    ("2023-11-12", "2024-02-18", "2024-02-12 is 春节; 02-18, a Sunday, is a 调休 working day"),
    ("2017-06-30", "2017-09-30", "2017-09-30 is a Saturday but a 调休 working day: stays"),
    ("2023-07-03", "2023-10-07", "2023-10-03 is in the 国庆 holiday; 10-07, a Saturday, is worked"),
])
def test_a_deadline_on_a_holiday_moves_to_the_next_working_day(start, expected, why):
    assert due_date(D(start), 3) == D(expected), why


def test_working_days_can_be_switched_off():
    assert due_date(D("2017-07-01"), 3, working_days=False) == D("2017-10-01")


def test_a_year_without_an_official_calendar_skips_weekends_only():
    far = D("2099-05-02")   # a Saturday in a year no calendar knows yet
    assert not calendar_known(far)
    assert due_date(D("2099-02-02"), 3) == D("2099-05-04")


def test_the_configured_period_per_kind_and_the_switch_reach_the_hook(tmp_path):
    from conftest import make_app
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "i",
                   REPLY_MONTHS_BY_KIND={"社情民意": 1}, REPLY_WORKING_DAYS=False)
    liaison = app.extensions["oa_liaison"]
    base = {"committee": "教科文卫体委员会", "unit": "县教育局", "title": "关于X的建议", "received": "2017-07-01"}
    assert liaison.submission_received({**base, "id": "a", "kind": "社情民意"})["due"] == "2017-08-01"
    assert liaison.submission_received({**base, "id": "b", "kind": "提案"})["due"] == "2017-10-01"


def test_an_admin_enters_the_next_years_notice_before_the_package_knows_it(tmp_path):
    """The State Council announces a year's holidays late in the year before; chinese-calendar lags behind."""
    from conftest import make_app
    import json
    (tmp_path / "i").mkdir()
    (tmp_path / "i" / "holidays.json").write_text(json.dumps(
        {"2099": {"holidays": ["2099-05-04", "2099-05-05"], "workdays": ["2099-05-09"]}}), encoding="utf-8")
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "i")
    liaison = app.extensions["oa_liaison"]
    base = {"committee": "教科文卫体委员会", "unit": "县教育局", "title": "关于X的建议", "kind": "提案"}
    # 2099-05-02 is a Saturday; Monday 4th and Tuesday 5th are entered as holidays.
    assert liaison.submission_received({**base, "id": "h1", "received": "2099-02-02"})["due"] == "2099-05-06"
    # Saturday 9th is entered as a 调休 working day: a deadline falling on it stays.
    assert liaison.submission_received({**base, "id": "h2", "received": "2099-02-09"})["due"] == "2099-05-09"


@pytest.mark.parametrize("content,fragment", [
    ('{"2099": {"holidays": ["2099-02-30"]}}', "2099-02-30"),
    ('{"2099": {"holidays": ["2098-05-04"]}}', "不属于 2099 年"),
    ('{"2099": {"holidays": "2099-05-04"}}', "应为日期列表"),
    ('[1, 2]', "应为"),
    ('{"2099": ', "无法读取"),
])
def test_a_broken_holiday_file_names_the_place_and_never_stops_a_submission(tmp_path, content, fragment, caplog):
    from conftest import make_app
    from oa_liaison_plugin.replies.deadlines import CalendarFileError, announced
    (tmp_path / "i").mkdir()
    path = tmp_path / "i" / "holidays.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarFileError, match=fragment):
        announced(path)
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "i")
    out = app.extensions["oa_liaison"].submission_received(
        {"id": "h3", "committee": "教科文卫体委员会", "unit": "县教育局", "title": "关于X的建议", "kind": "提案",
         "received": "2099-02-02"})
    assert out["due"] == "2099-05-04" and "节假日文件" in caplog.text   # weekends only, and the admin is told
