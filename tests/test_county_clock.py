"""One county clock: at 23:30 UTC it is already 07:30 tomorrow in the county, and every due date says so."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from oa_liaison_plugin import clock
from oa_liaison_plugin.cli import main
from oa_liaison_plugin.models import Consultation, Document, Submission, db
from oa_liaison_plugin.replies import tasks

# The server's own date (a UTC machine) at 23:30 UTC, and the county's (Asia/Shanghai, 07:30 the next day).
SERVER_DAY = dt.datetime.now(dt.timezone.utc).date()
COUNTY_DAY = SERVER_DAY + dt.timedelta(days=1)
COUNTY_2017 = dt.date(2017, 3, 21)   # the county's day at 2017-03-20 23:30 UTC
SUB = {"committee": "县政协教科文卫体委员会", "unit": "南部县教育局", "kind": "提案", "title": "关于加强农村寄宿制学校建设的建议"}


@pytest.fixture
def frozen(monkeypatch):
    """The one clock's source of time stopped at 23:30 UTC today."""
    monkeypatch.setattr(clock, "utc_now", lambda: dt.datetime.combine(SERVER_DAY, dt.time(23, 30), dt.timezone.utc))


def test_the_county_day_and_its_bounds(frozen):
    config = {"TIMEZONE": "Asia/Shanghai"}
    assert clock.county_today(config) == COUNTY_DAY
    start, end = clock.day_bounds(config, COUNTY_DAY)
    assert (start, end) == (dt.datetime.combine(SERVER_DAY, dt.time(16)), dt.datetime.combine(COUNTY_DAY, dt.time(16)))


def test_every_due_date_counts_from_the_county_day_not_the_servers(lite_app, frozen, tmp_path):
    liaison = lite_app.extensions["oa_liaison"]
    # a consultation on a major document that gave no issue date: due CONSULTATION_DAYS after the county's today
    liaison.document_issued({"id": "M-1", "issuer": "南部县财政局", "title": "关于县级预算调整方案的报告",
                             "main_recipients": ["县人大常委会"], "flags": {"major": True}})
    # a submission without a received date is received today, the county's; its twin names that day
    undated = liaison.submission_received({**SUB, "id": "s-undated"})
    dated = liaison.submission_received({**SUB, "id": "s-dated", "received": COUNTY_DAY.isoformat()})
    with lite_app.app_context():
        dues = set(db.session.scalars(select(Consultation.due_on).join(Document).where(Document.host_id == "M-1")))
        assert dues == {COUNTY_DAY + dt.timedelta(days=int(lite_app.config["CONSULTATION_DAYS"]))}
        s = db.session.scalar(select(Submission).where(Submission.host_id == "s-undated"))
        assert s.received_on == COUNTY_DAY and undated["due"] == dated["due"]
        # a reply dated the county's today is not "after today"
        tasks.send_reply(liaison, s, "南教函〔2017〕8号", COUNTY_DAY.isoformat(), "jyj")
        db.session.commit()
        # a rating that reopens the task: the new deadline counts from the county's today
        s = db.session.scalar(select(Submission).where(Submission.host_id == "s-undated"))
        tasks.rate(liaison, s, "教科文卫体委员会", "不满意", "请补充", "jkwwt")
        db.session.commit()
        reopened = db.session.scalar(select(Submission.due_on).where(Submission.host_id == "s-undated"))
        assert reopened == tasks._deadline(liaison, COUNTY_DAY, int(lite_app.config["REOPEN_MONTHS"]))
        db.session.remove()
    # the list's today, and its days left, are the county's
    result = CliRunner().invoke(main, ["--instance", str(tmp_path / "instance"), "submissions", "list", "--json"],
                                env={"OA_LIAISON_DATABASE_URL": lite_app.config["DATABASE_URL"]},
                                catch_exceptions=False)
    listed = json.loads(result.output)
    assert listed["today"] == COUNTY_DAY.isoformat()
    line = next(x for x in listed["submissions"] if x["submission_id"] == "s-dated")
    assert line["days_left"] == (dt.date.fromisoformat(dated["due"]) - COUNTY_DAY).days


@pytest.fixture
def frozen_in_2017(monkeypatch):
    """The clock stopped at 23:30 UTC on 2017-03-20, years from the server's own date: 07:30 on 03-21 in the county."""
    monkeypatch.setattr(clock, "utc_now", lambda: dt.datetime(2017, 3, 20, 23, 30, tzinfo=dt.timezone.utc))


def test_a_handover_may_be_dated_the_countys_today_never_later(lite_app, frozen_in_2017, tmp_path):
    from oa_liaison_plugin.web.users.accounts import create_user
    from test_web_support import session_client
    liaison = lite_app.extensions["oa_liaison"]
    lite_app.config["WTF_CSRF_ENABLED"] = False
    for host_id in ("secret-cli", "secret-panel"):
        held = liaison.document_issued({"id": host_id, "issuer": "南部县教育局", "title": "关于保密检查的通知",
                                        "secrecy": "机密"})
        assert held["status"] == "held", held
    with lite_app.app_context():
        create_user(liaison, username="boss", password="a-long-password-2017", role="admin")
        db.session.commit()
        doc_id = db.session.scalar(select(Document.id).where(Document.host_id == "secret-panel"))
        db.session.remove()
    env = {"OA_LIAISON_DATABASE_URL": lite_app.config["DATABASE_URL"]}

    def cli(day):
        return CliRunner().invoke(main, ["--instance", str(tmp_path / "instance"), "documents", "handover",
                                         "secret-cli", "--committee", "教科文卫体委员会", "--handed-on", day, "--handed-by",
                                         "县委机要局 王某", "--reason", "机要交通送达", "--json"], env=env)

    admin = session_client(lite_app, "boss", None)

    def form(day):
        return admin.post(f"/documents/{doc_id}/handover", data={
            "committees": ["教科文卫体委员会"], "handed_on": day, "handed_by": "县委机要局 王某", "reason": "机要交通送达"})

    tomorrow = (COUNTY_2017 + dt.timedelta(days=1)).isoformat()
    r = cli(tomorrow)
    assert r.exit_code == 2 and json.loads(r.output)["field"] == "handed_on", r.output
    resp = form(tomorrow)
    assert resp.status_code == 400 and "传递日期不能晚于今天" in resp.get_data(as_text=True)
    r = cli(COUNTY_2017.isoformat())   # the county's today, already the server's tomorrow
    assert r.exit_code == 0, r.output
    assert form(COUNTY_2017.isoformat()).status_code == 302
    with lite_app.app_context():
        assert set(db.session.scalars(select(Document.status).where(
            Document.host_id.in_(["secret-cli", "secret-panel"])))) == {"offline"}
