"""Every destructive or outward action of the panel (issue 25, Must 2): a bare POST — the action's form without the
confirmation page's token (confirmed=1, or for an import the ticks) — shows what would happen and changes nothing."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from test_web_decisions import body, lite_world  # noqa: F401  (lite_world: the fixture)
from test_web_support import session_client


def _state(app) -> dict:
    """Everything any of these actions would change."""
    from oa_liaison_plugin.models import (Copy, Document, HttpHost, Jurisdiction, Message, ReminderSent, Unit,
                                          UnitName, UnitPattern, db)
    from oa_liaison_plugin.table import file as table
    from oa_liaison_plugin.web.models import AuditEntry
    with app.app_context():
        out = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
               for m in (Copy, HttpHost, Message, ReminderSent, Unit, UnitName, UnitPattern, AuditEntry)}
        out["unmatched"] = db.session.scalar(select(func.count(Document.id)).where(Document.status == "unmatched"))
        out["held"] = db.session.scalar(select(func.count(Document.id)).where(Document.status == "held"))
        out["version"] = db.session.scalar(select(Jurisdiction.table_version))
        out["table"] = table.export("nanbu")
        db.session.remove()
    return out


def _table_upload(app, change):
    from oa_liaison_plugin.table import file as table
    with app.app_context():
        data = table.export("nanbu")
    change(data)
    return {"file": (io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "table.json")}


def _without_wenlian(data):
    data["units"] = [u for u in data["units"] if u["name"] != "县文联"]


def _held(app, world) -> int:
    """A document held for a person (附注 limits it; not classified), to send by hand."""
    from oa_liaison_plugin.models import Document, db
    world["host"].issue(issuer="南部县教育局", title="关于校园周边环境整治的通知（人工分送）", note="此件不公开",
                        issued_on="2017-05-20", flags={"important": True})
    with app.app_context():
        doc = db.session.scalar(select(Document).where(Document.title == "关于校园周边环境整治的通知（人工分送）"))
        assert doc.status == "held"
        return doc.id


ACTIONS = {
    "manual send": lambda w, app: (f"/documents/{_held(app, w)}/manual-copy",
                                   {"committees": ["教科文卫体委员会"], "reason": "委员会内部可传阅"}),
    "delete a unit": lambda w, app: (f"/table/units/{w['own_unit']}/delete", {}),
    "delete a name pattern": lambda w, app: (f"/table/patterns/{w['pattern']}/delete", {}),
    "map an issuer": lambda w, app: ("/unmatched/map", {"issuer": "南部县新华书店", "unit": "县文联"}),
    "remind now": lambda w, app: (f"/submissions/{w['own_submission']}/remind", {}),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_bare_post_asks_and_changes_nothing(lite_world, lite_app, action):
    admin = session_client(lite_app, "admin1", lite_world)
    url, data = ACTIONS[action](lite_world, lite_app)
    before = _state(lite_app)
    resp = admin.post(url, data=data)
    assert resp.status_code == 200, (action, resp.status_code, body(resp)[:300])
    assert 'name="confirmed" value="1"' in body(resp)
    assert _state(lite_app) == before


def test_a_bare_post_of_a_table_file_shows_the_difference_and_changes_nothing(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    before = _state(lite_app)
    resp = admin.post("/table/import", data=_table_upload(lite_app, _without_wenlian),
                      content_type="multipart/form-data")
    page = body(resp)
    assert resp.status_code == 200 and "删除单位：县文联" in page and 'name="confirmed" value="1"' in page
    assert 'checked' not in page
    assert _state(lite_app) == before
    text = json.dumps(_without_wenlian_table(lite_app), ensure_ascii=False)
    unticked = admin.post("/table/import", data={"confirmed": "1", "text": text})   # confirmed, the loss not ticked
    assert unticked.status_code == 400 and "尚未逐项勾选" in body(unticked)
    assert _state(lite_app) == before
    done = admin.post("/table/import", data={"confirmed": "1", "text": text, "change": "删除单位：县文联"})
    assert done.status_code == 302
    after = _state(lite_app)
    assert after["version"] == before["version"] + 1
    assert "县文联" not in [u["name"] for u in after["table"]["units"]]
    versions = body(admin.get("/table/notice"))   # the present was saved first: a rollback brings it back
    assert "导入前的表" in versions and "从文件导入" in versions and "回退到此版" in versions


def _without_wenlian_table(app):
    from oa_liaison_plugin.table import file as table
    with app.app_context():
        data = table.export("nanbu")
    _without_wenlian(data)
    return data


def test_a_bare_post_of_a_notice_or_a_rollback_changes_nothing(lite_world, lite_app, notice_text):
    admin = session_client(lite_app, "admin1", lite_world)
    before = _state(lite_app)
    # a notice that drops a committee's units: applying it without the ticks is refused
    text = notice_text.replace("县文联", "")
    resp = admin.post("/table/notice/apply", data={"text": text})
    assert resp.status_code == 400 and "尚未逐项勾选" in body(resp)
    assert _state(lite_app) == before
    # roll back: make a second version first (the shipped notice, which changes nothing), then a bare POST asks
    assert admin.post("/table/notice/apply", data={"text": notice_text}).status_code == 302
    before = _state(lite_app)
    assert before["version"] >= 2
    resp = admin.post("/table/notice/rollback", data={"to": before["version"] - 1})
    assert resp.status_code == 200 and "确认回退到第" in body(resp)
    assert _state(lite_app) == before


def test_a_bare_post_of_removing_a_host_or_redelivering_changes_nothing(lite_world, lite_app):
    from oa_liaison_plugin.http import hosts
    from oa_liaison_plugin.models import Copy, db
    admin = session_client(lite_app, "admin1", lite_world)
    made = admin.post("/hosts/new", data={"name": "oa-bare", "callback_url": "", "allow_origins": "",
                                          "require_file": ""})
    assert made.status_code in (200, 302), body(made)[:300]
    before = _state(lite_app)
    assert before["HttpHost"] == 1
    resp = admin.post("/hosts/oa-bare/remove")
    assert resp.status_code == 200 and 'name="confirmed" value="1"' in body(resp)
    assert _state(lite_app) == before
    with lite_app.app_context():
        secrets = len(hosts.get("oa-bare").secrets)
    resp = admin.post("/hosts/oa-bare/rotate")                   # rotating the secret asks too
    assert resp.status_code == 200 and "旧密钥 24 小时后失效" in body(resp)
    assert _state(lite_app) == before
    with lite_app.app_context():
        assert len(hosts.get("oa-bare").secrets) == secrets
    with lite_app.app_context():   # a copy given up on: dead
        copy = db.session.get(Copy, lite_world["own_copy"])
        copy.status = "dead"
        db.session.commit()
        db.session.remove()
    before = _state(lite_app)
    resp = admin.post(f"/deliveries/copy-{lite_world['own_copy']}/redeliver")
    assert resp.status_code == 200 and 'name="confirmed" value="1"' in body(resp)
    assert _state(lite_app) == before
    with lite_app.app_context():
        assert db.session.get(Copy, lite_world["own_copy"]).status == "dead"
