"""The HTTP contract as an OA vendor meets it: every documented refusal before the 202, names as the OA writes them."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from http_host import add_host, post_event, request, signed, wait_for
from oa_liaison_plugin.models import InboxEvent, db
from test_http_api import count

SUBMISSION = {"id": "S-1", "committee": "提案委员会", "unit": "南部县教育局", "kind": "提案", "title": "关于学校安全的提案",
              "received": "2026-11-01"}
MEETING = {"id": "M-1", "unit": "南部县教育局", "title": "全县教育工作会议", "held_on": "2026-12-10"}


REFUSED_UP_FRONT = [
    ("submission unknown unit", "submission.received", {**SUBMISSION, "unit": "南部县不存在局"}, "data.unit"),
    ("submission unknown committee", "submission.received", {**SUBMISSION, "committee": "不存在委员会"},
     "data.committee"),
    ("submission wrong kind", "submission.received", {**SUBMISSION, "kind": "报告"}, "data.kind"),
    ("submission impossible date", "submission.received", {**SUBMISSION, "received": "2026-02-30"}, "data.received"),
    ("submission unknown cohandler", "submission.received", {**SUBMISSION, "cohandlers": ["无此单位"]},
     "data.cohandlers[0]"),
    ("meeting plenary kind", "meeting.scheduled", {**MEETING, "kind": "plenary"}, "data.kind"),
    ("meeting unknown unit", "meeting.scheduled", {**MEETING, "unit": "南部县不存在局"}, "data.unit"),
    ("meeting impossible date", "meeting.scheduled", {**MEETING, "held_on": "2026-13-01"}, "data.held_on"),
    ("committee meeting unknown committee", "meeting.scheduled",
     {"id": "M-2", "kind": "committee", "committee": "无此委员会", "title": "t", "held_on": "2026-12-10"},
     "data.committee"),
]


@pytest.mark.parametrize("name,type_,data,field", REFUSED_UP_FRONT, ids=[r[0] for r in REFUSED_UP_FRONT])
def test_bad_submissions_and_meetings_are_refused_before_the_202(app, served, name, type_, data, field):
    secret = add_host(app)
    code, answer = post_event(served.port, secret, type_, data, event_id="ev-bad")
    assert (code, answer["error"], answer["field"]) == (400, "bad_field", field), answer
    assert count(app, InboxEvent) == 0


def _event(**over) -> bytes:
    event = {"specversion": "1.0", "id": "x", "source": "s", "type": "document.issued", "data": {"id": "1"}}
    return json.dumps({**event, **over}).encode()


def test_time_must_be_rfc3339(app, served):
    secret = add_host(app)
    for bad in ("yesterday", "2026-11-01", "2026-11-01 10:00"):
        body = _event(time=bad)
        code, answer = request(served.port, "/api/v1/events", body, signed(secret, f"m-{bad}", body))
        assert (code, answer["error"], answer["field"]) == (400, "bad_field", "time"), answer
    body = _event(time="2026-11-01T10:00:00+08:00")
    assert request(served.port, "/api/v1/events", body, signed(secret, "m-ok", body))[0] == 202


@pytest.mark.parametrize("depth", [65, 200, 1000, 100000])
def test_deep_json_is_refused_without_naming_a_python_exception(app, served, depth):
    secret = add_host(app)
    body = b'{"specversion":"1.0","id":"x","source":"s","type":"document.issued","data":{"id":"1","flags":' \
        + b"[" * depth + b"]" * depth + b"}}"
    code, answer = request(served.port, "/api/v1/events", body, signed(secret, "m-deep", body))
    assert (code, answer["error"]) == (400, "bad_json") and "嵌套" in answer["message"]
    assert "Error" not in answer["message"] and "Exception" not in answer["message"]


def test_a_missing_document_id_is_missing_field(app, served):
    secret = add_host(app)
    for data in ({"issuer": "县教育局"}, {"id": "", "issuer": "县教育局"}):
        body = _event(data=data)
        code, answer = request(served.port, "/api/v1/events", body, signed(secret, "m-noid", body))
        assert (code, answer["error"], answer["field"]) == (400, "missing_field", "data.id")


def test_an_overlong_webhook_id_has_its_own_code(app, served):
    secret = add_host(app)
    body = _event()
    code, answer = request(served.port, "/api/v1/events", body, signed(secret, "m" * 257, body))
    assert (code, answer["error"], answer["field"]) == (400, "bad_webhook_id", "webhook-id")
    assert count(app, InboxEvent) == 0


def test_unknown_paths_and_methods_answer_with_the_api_s_own_text(app, served):
    code, answer = request(served.port, "/api/v1/nothing")
    assert (code, answer["error"]) == (404, "not_found") and "页面" not in answer["message"]
    code, answer = request(served.port, "/api/v1/events", method="GET")
    assert (code, answer["error"]) == (405, "method_not_allowed") and "菜单" not in answer["message"]


def _status(served, secret, evt):
    code, st = request(served.port, f"/api/v1/events/{evt}", b"", signed(secret, f"st-{evt}", b""), method="GET")
    return st if code == 200 and st["status"] == "processed" else None


@pytest.mark.parametrize("committee", ["南部县政协提案委员会", "提案委员会", "提案委"])
def test_committees_are_named_by_full_name_or_short_name(app, served, committee):
    secret = add_host(app)
    code, answer = post_event(served.port, secret, "submission.received", {**SUBMISSION, "committee": committee},
                              event_id="ev-c")
    assert code == 202, answer
    st = wait_for(lambda: _status(served, secret, answer["id"]))
    assert st["result"]["committee"] == "提案委员会"


def test_the_same_webhook_id_with_another_body_is_a_conflict(app, served):
    secret = add_host(app)
    data = {"id": "D-2", "issuer": "南部县教育局"}
    assert post_event(served.port, secret, "document.issued", data, event_id="ev-2", msg_id="m-2")[0] == 202
    code, answer = post_event(served.port, secret, "document.issued", {**data, "title": "另一个标题"},
                              event_id="ev-2", msg_id="m-2")
    assert (code, answer["error"]) == (409, "idempotency_conflict") and "webhook-id" in answer["message"]
    # the very same body again is still the same answer, and only one event was recorded
    assert post_event(served.port, secret, "document.issued", data, event_id="ev-2", msg_id="m-2")[0] == 202
    assert count(app, InboxEvent) == 1


def test_a_meeting_sent_again_under_a_new_event_id_notifies_no_one_again(app, served):
    from oa_liaison_plugin.models import Invitation, Notification
    from http_host import host_with_callback
    secret, cb = host_with_callback(app)
    assert post_event(served.port, secret, "meeting.scheduled", MEETING, event_id="ev-m1")[0] == 202
    wait_for(lambda: count(app, InboxEvent, InboxEvent.status == "done") == 1)
    told, invited = count(app, Notification), count(app, Invitation)
    assert told >= 1 and invited >= 1
    assert post_event(served.port, secret, "meeting.scheduled", MEETING, event_id="ev-m2")[0] == 202
    wait_for(lambda: count(app, InboxEvent, InboxEvent.status == "done") == 2)
    assert (count(app, Notification), count(app, Invitation)) == (told, invited)
    # rescheduled (another date) is a change: the unit is told again
    assert post_event(served.port, secret, "meeting.scheduled", {**MEETING, "held_on": "2026-12-11"},
                      event_id="ev-m3")[0] == 202
    wait_for(lambda: count(app, Notification) > told)
    cb.close()


def _ids(app):
    """The ids of 提案委员会, 县教育局 and 县卫健局 in this database."""
    from oa_liaison_plugin.models import Committee, Unit
    from sqlalchemy import select
    with app.app_context():
        com = db.session.scalar(select(Committee.id).where(Committee.name == "提案委员会"))
        units = dict(db.session.execute(select(Unit.name, Unit.id).where(Unit.name.in_(["县教育局", "县卫健局"]))).all())
        db.session.remove()
    return com, units["县教育局"], units["县卫健局"]


@pytest.mark.parametrize("as_text", [False, True], ids=["integer", "decimal string"])
def test_units_and_committees_are_named_by_their_ids(app, served, as_text):
    secret = add_host(app)
    com, edu, health = (str(i) if as_text else i for i in _ids(app))
    code, answer = post_event(served.port, secret, "submission.received",
                              {**SUBMISSION, "committee": com, "unit": edu, "cohandlers": [health]}, event_id="ev-i")
    assert code == 202, answer
    st = wait_for(lambda: _status(served, secret, answer["id"]))
    assert st["result"]["committee"] == "提案委员会", st
    from oa_liaison_plugin.models import Cohandler, Submission
    with app.app_context():
        row = db.session.scalar(select(Submission))
        assert row.unit_name == "县教育局"
        assert [c.unit_name for c in db.session.scalars(select(Cohandler))] == ["县卫健局"]
    code, answer = post_event(served.port, secret, "meeting.scheduled", {**MEETING, "unit": edu}, event_id="ev-mi")
    assert code == 202, answer
    st = wait_for(lambda: _status(served, secret, answer["id"]))
    assert st["result"]["unit_known"] is True and st["result"]["invite"] == ["教科文卫体委员会"], st
    code, answer = post_event(served.port, secret, "meeting.scheduled",
                              {"id": "M-3", "kind": "committee", "committee": com, "title": "提案工作座谈会",
                               "held_on": "2026-12-10"}, event_id="ev-mc")
    assert code == 202, answer


UNKNOWN_IDS = [
    ("submission unit", "submission.received", {**SUBMISSION, "unit": 999999}, "data.unit"),
    ("submission unit text", "submission.received", {**SUBMISSION, "unit": "999999"}, "data.unit"),
    ("submission committee", "submission.received", {**SUBMISSION, "committee": 999999}, "data.committee"),
    ("submission cohandler", "submission.received", {**SUBMISSION, "cohandlers": [999999]}, "data.cohandlers[0]"),
    ("meeting unit", "meeting.scheduled", {**MEETING, "unit": 999999}, "data.unit"),
    ("meeting committee", "meeting.scheduled",
     {"id": "M-2", "kind": "committee", "committee": "999999", "title": "t", "held_on": "2026-12-10"},
     "data.committee"),
]


@pytest.mark.parametrize("name,type_,data,field", UNKNOWN_IDS, ids=[r[0] for r in UNKNOWN_IDS])
def test_an_unknown_id_is_refused_before_the_202(app, served, name, type_, data, field):
    secret = add_host(app)
    code, answer = post_event(served.port, secret, type_, data, event_id="ev-bad-id")
    assert (code, answer["error"], answer["field"]) == (400, "bad_field", field), answer
    assert "999999" in answer["message"]


REFUSED_BY_THE_MODELS = [
    # (name, type, data, error, field): each was accepted with a 202 before the models, then failed in processing
    ("answer position not one of three", "consultation.answered",
     {"consultation_id": 1, "opinion": "同意", "position": "好"}, "bad_field", "data.position"),
    ("answer id a text", "consultation.answered", {"consultation_id": "7", "opinion": "同意"}, "bad_field",
     "data.consultation_id"),
    ("answer without opinion", "consultation.answered", {"consultation_id": 7}, "missing_field", "data.opinion"),
    ("committee meeting without committee", "meeting.scheduled",
     {"id": "M-3", "kind": "committee", "title": "t", "held_on": "2026-12-10"}, "missing_field", "data.committee"),
    ("meeting date null", "meeting.scheduled", {**MEETING, "held_on": None}, "missing_field", "data.held_on"),
    ("attachment without its content", "document.issued", {"id": "D-1", "attachments": [{"name": "附件1"}]},
     "missing_field", "data.attachments[0].data_base64"),
    ("flag not a flag", "document.issued", {"id": "D-1", "flags": {"urgent": True}}, "bad_field", "data.flags.urgent"),
]


@pytest.mark.parametrize("name,type_,data,error,field", REFUSED_BY_THE_MODELS,
                         ids=[r[0] for r in REFUSED_BY_THE_MODELS])
def test_what_the_models_refuse_is_refused_before_the_202(app, served, name, type_, data, error, field):
    secret = add_host(app)
    code, answer = post_event(served.port, secret, type_, data, event_id="ev-model")
    assert (code, answer["error"], answer["field"]) == (400, error, field), answer
    assert answer["message"].startswith(f"字段 {field}：")
    assert count(app, InboxEvent) == 0
