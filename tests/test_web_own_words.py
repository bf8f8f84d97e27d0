"""People's words where a stored row's own name (submission-3, meeting-1, copy-12, notification-4) used to show:
the audit log's 对象, the dead-letter list and 重新投递's confirmation and message."""
from __future__ import annotations

import re

from sqlalchemy import select

from test_web_decisions import body, lite_world  # noqa: F401  (lite_world: the fixture)
from test_web_support import session_client

ROW_NAME = re.compile(r"\b(?:submission|meeting|document|copy|consultation|topic|invitation|unit|committee|user|"
                      r"notification)-\d+\b")


def _visible(html: str) -> str:
    """The text a person reads (tags with their attributes — addresses, form values — left out)."""
    return re.sub(r"<[^>]*>", " ", html)


def test_the_audit_log_names_each_entrys_object_in_words(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    listed = _visible(body(admin.get("/audit")))
    assert not ROW_NAME.findall(listed), ROW_NAME.findall(listed)
    assert "来件《关于加强农村寄宿制学校建设的建议》" in listed and "会议《2017年第一次对口单位负责人联系会》" in listed
    from oa_liaison_plugin.web.models import AuditEntry
    from oa_liaison_plugin.models import db
    with lite_app.app_context():
        ids = db.session.scalars(select(AuditEntry.id).where(AuditEntry.target.like("%-%"))).all()
    assert ids
    for entry_id in ids:
        shown = _visible(body(admin.get(f"/audit/{entry_id}")))
        assert not ROW_NAME.findall(shown), (entry_id, ROW_NAME.findall(shown))


def test_redelivering_speaks_of_the_copy_not_its_row(lite_world, lite_app):
    from oa_liaison_plugin.models import Copy, Notification, db
    admin = session_client(lite_app, "admin1", lite_world)
    with lite_app.app_context():
        copy = db.session.get(Copy, lite_world["own_copy"])
        copy.status = "dead"
        db.session.commit()
    ref = f"copy-{lite_world['own_copy']}"
    asked = _visible(body(admin.post(f"/deliveries/{ref}/redeliver")))
    assert "确认重新投递" in asked and not ROW_NAME.findall(asked), ROW_NAME.findall(asked)
    done = _visible(body(admin.post(f"/deliveries/{ref}/redeliver", data={"confirmed": "1"},
                                    follow_redirects=True)))
    assert "已重新投递" in done and not ROW_NAME.findall(done), ROW_NAME.findall(done)
    with lite_app.app_context():   # a dead notification in the list
        from oa_liaison_plugin.models import HttpHost
        from oa_liaison_plugin.audit import Actor
        from oa_liaison_plugin.operations import hosts
        liaison = lite_app.extensions["oa_liaison"]
        with liaison.work(Actor("admin1")) as uow:
            hosts.add(uow, "oa-words", "nanbu", callback_url="https://oa.example.cn/liaison")
        host_id = db.session.scalar(select(HttpHost.id).where(HttpHost.name == "oa-words"))
        db.session.add(Notification(host_id=host_id, status="dead", attempts=9,
                                    payload={"recipient": {"role": "unit", "unit": "县教育局"}, "subject": "待答复：提案"}))
        db.session.commit()
    listed = _visible(body(admin.get("/deliveries?status=dead")))
    assert "待答复：提案" in listed and not ROW_NAME.findall(listed), ROW_NAME.findall(listed)


def test_a_choice_no_list_offers_is_refused_in_chinese(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    resp = admin.post("/rules/new", data={"name": "手工请求", "action": "important", "match": "any", "terms": "甲",
                                          "fields_": ["nope"]})
    shown = _visible(body(resp))
    assert resp.status_code == 400 and "不是可选的项" in shown and "valid choice" not in shown


def test_the_hosts_page_names_no_setting_by_its_key(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    for url in ("/hosts", "/hosts/new"):
        shown = _visible(body(admin.get(url)))
        assert not re.search(r"\b[A-Z]+_[A-Z_]+\b", shown), url
    assert "按系统设置" in _visible(body(admin.get("/hosts/new")))


def test_the_audit_log_names_a_host_or_the_command_line_in_words(lite_world, lite_app):
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import hosts
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context(), liaison.work(Actor("cli:liyun")) as uow:
        hosts.add(uow, "oa-cli", "nanbu")
    admin = session_client(lite_app, "admin1", lite_world)
    listed = _visible(body(admin.get("/audit")))
    assert "cli:" not in listed and "host:" not in listed
    assert "命令行（liyun）" in listed and "主办系统" in listed
