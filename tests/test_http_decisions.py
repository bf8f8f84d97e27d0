"""liaison.decision callbacks: a subscribing host is told every decision on its documents, and why."""
from __future__ import annotations

import json

from sqlalchemy import event, select

from http_host import CallbackHost, add_host, wait_for
from oa_liaison_plugin.audit import Actor
from oa_liaison_plugin.http import hosts, outbox
from oa_liaison_plugin.models import Decision, Document, Notification, db


def _deliver(app):
    """Run the notification ledger once, as the worker would."""
    with app.app_context():
        outbox.deliver_due(app.extensions["oa_liaison"])
        db.session.remove()


def _decisions(cb, app, n):
    """The first ``n`` liaison.decision events the host verified (running the ledger until they came)."""
    def got():
        _deliver(app)
        found = [r for r in cb.received if r["event"]["type"] == "liaison.decision"]
        return found if len(found) >= n else None
    return wait_for(got)


def _subscribed(app, **kw):
    secret = add_host(app, decisions=True, **kw)
    cb = CallbackHost(secret)
    with app.app_context():
        hosts.set_callback_url("oa1", cb.url)
        db.session.commit()
    hosts.forget_signers()
    return cb


def _check_reasons(reasons):
    assert isinstance(reasons, list) and reasons
    for r in reasons:
        assert isinstance(r["code"], str) and r["code"] and isinstance(r["text"], str) and r["text"], r


def test_held_unmatched_remapped_and_a_person_s_decision_reach_the_host(app, liaison):
    cb = _subscribed(app)
    liaison.document_issued({"id": "U-1", "issuer": "南部县不存在局", "title": "关于春季植树的通知",
                             "flags": {"important": True}})
    liaison.document_issued({"id": "S-1", "issuer": "南部县教育局", "title": "关于校园安全检查的通知",
                             "flags": {"important": True}, "secrecy": "机密"})
    first = _decisions(cb, app, 2)
    by_doc = {r["event"]["data"]["document_id"]: r for r in first}
    unmatched = by_doc["U-1"]["event"]
    assert unmatched["id"] == by_doc["U-1"]["id"] and unmatched["id"].startswith("decision-")
    assert unmatched["source"] == "/oa-liaison/nanbu"
    data = unmatched["data"]
    assert (data["status"], data["held"], data["committees"], data["trigger"]) == ("unmatched", True, [], "issued")
    assert "南部县不存在局" in data["hold_reason"] and data["decided_at"].endswith("Z")
    assert data["decision_id"] == int(unmatched["id"][len("decision-"):]) and data["jurisdiction"] == "nanbu"
    _check_reasons(data["reasons"])
    held = by_doc["S-1"]["event"]["data"]
    assert held["status"] == "held" and "密级" in held["hold_reason"] and held["reasons"][0]["code"] == "hold"

    # the name mapped: re-decided and routed, the committee named with its id
    from oa_liaison_plugin.decision.route import reroute_unmatched
    from oa_liaison_plugin.operations import decisions as manual, table
    with liaison.work(Actor.cli()) as uow:
        table.map_name(uow, liaison.jurisdiction("nanbu"), "县教育局", "南部县不存在局")
    assert reroute_unmatched(liaison, "nanbu") == ["U-1"]
    # a person decides the classified one: not copied
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "S-1"))
        with liaison.work(Actor.cli()) as uow:
            manual.decide(uow, row, [], reason="涉密，不分送")
    later = _decisions(cb, app, 4)[2:]
    by_doc = {r["event"]["data"]["document_id"]: r["event"]["data"] for r in later}
    remapped = by_doc["U-1"]
    assert (remapped["status"], remapped["held"], remapped["hold_reason"], remapped["trigger"]) == \
        ("routed", False, None, "remapped")
    with app.app_context():
        ids = liaison.resolver("nanbu").committee_ids
    assert remapped["committees"] == [{"committee_id": ids["教科文卫体委员会"], "committee": "教科文卫体委员会"}]
    person = by_doc["S-1"]
    assert (person["status"], person["trigger"], person["committees"]) == ("not_qualified", "manual", [])
    assert person["reasons"][0]["code"] == "manual" and "涉密，不分送" in person["reasons"][0]["text"]
    assert not cb.bad
    cb.close()


def test_a_decision_is_queued_in_its_own_transaction_and_retried_with_the_same_bytes(app, liaison):
    answers = iter([500, 200])
    secret = add_host(app, decisions=True)
    cb = CallbackHost(secret, answer=lambda n, ev: next(answers, 200))
    with app.app_context():
        hosts.set_callback_url("oa1", cb.url)
        db.session.commit()
    liaison.document_issued({"id": "N-1", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"})
    with app.app_context():   # committed with the decision, before anything was sent
        (payload,) = db.session.scalars(select(Notification.payload)).all()
        last = db.session.scalar(select(Decision.id).order_by(Decision.id.desc()))
        assert payload["id"] == f"decision-{last}" and payload["data"]["status"] == "not_qualified"
    wait_for(lambda: (_deliver(app), len(cb.received) >= 2)[1])
    first, second = cb.received[:2]
    assert first["id"] == second["id"] == f"decision-{last}" and first["body"] == second["body"]
    assert cb.acked == {f"decision-{last}": 1}
    assert json.loads(first["body"])["data"]["reasons"][0]["code"] == "not_qualified"
    cb.close()


def test_no_decision_callback_and_no_host_query_for_a_jurisdiction_without_subscribers(app, liaison):
    # however slow this machine, the first document's look-up is still cached for the second: only a change to
    # a host may drop it (that is what the end of this test shows)
    app.config["API_HOSTS_CACHE_SECONDS"] = 3600
    secret = add_host(app)   # a callback host that did not subscribe
    cb = CallbackHost(secret)
    with app.app_context():
        hosts.set_callback_url("oa1", cb.url)
        db.session.commit()
    liaison.document_issued({"id": "W-0", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"})
    statements = []

    def seen(conn, cursor, statement, *a):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        liaison.document_issued({"id": "W-1", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "liaison_http_host" in s]
    with app.app_context():
        assert db.session.scalar(select(Notification.id)) is None
    # subscribing takes effect at once in this process (the cache is dropped when a host changes)
    with liaison.work(Actor.cli()) as uow:
        from oa_liaison_plugin.operations import hosts as ops
        assert ops.set_decisions(uow, "oa1", True)["decisions"] is True
    liaison.document_issued({"id": "W-2", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"})
    (got,) = _decisions(cb, app, 1)
    assert got["event"]["data"]["document_id"] == "W-2"
    cb.close()


def test_backfill_decisions_are_called_back(app, liaison):
    import datetime as dt

    from oa_liaison_plugin.decision.backfill import backfill_since
    cb = _subscribed(app)
    liaison.document_issued({"id": "B-1", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"})
    _decisions(cb, app, 1)
    with app.app_context():
        backfill_since(liaison, dt.date(2000, 1, 1), apply=True)
    (_, again) = _decisions(cb, app, 2)
    assert again["event"]["data"]["trigger"] == "backfill" and again["event"]["data"]["document_id"] == "B-1"
    cb.close()


def test_hosts_add_and_update_set_the_subscription(tmp_path):
    from helpers import cli
    instance = tmp_path / "instance"
    added = cli(instance, "hosts", "add", "oa1", "-j", "nanbu", "--decisions", "--json")
    assert added.returncode == 0, added.stderr
    listed = cli(instance, "hosts", "list", "--json")
    assert [h["decisions"] for h in json.loads(listed.stdout)] == [True]
    off = cli(instance, "hosts", "update", "oa1", "--no-decisions", "--json")
    assert off.returncode == 0 and json.loads(off.stdout)["decisions"] is False
    assert "不发送决定回调" in cli(instance, "hosts", "update", "oa1", "--no-decisions").stdout


def test_the_hosts_page_subscribes_a_host_and_a_stale_form_is_refused(lite_app):
    from test_web_support import build_world, session_client
    lite_app.config["WTF_CSRF_ENABLED"] = False
    world = build_world(lite_app)
    admin = session_client(lite_app, "admin1", world)
    page = admin.post("/hosts/new", data={"name": "county-oa", "callback_url": "http://127.0.0.1:9/cb",
                                          "decisions": "y"}, follow_redirects=True)
    assert page.status_code == 200
    listed = admin.get("/hosts").get_data(as_text=True)
    assert "决定回调" in listed and '<option value="yes" selected>发送</option>' in listed
    with lite_app.app_context():
        host = hosts.get("county-oa")
        assert host.decisions is True
        version = host.version
    done = admin.post("/hosts/county-oa/decisions", data={"decisions": "no", "version": version},
                      follow_redirects=True)
    assert "已修改主机“county-oa”的决定回调。" in done.get_data(as_text=True)
    with lite_app.app_context():
        assert hosts.get("county-oa").decisions is False
    stale = admin.post("/hosts/county-oa/decisions", data={"decisions": "yes", "version": version})
    assert stale.status_code == 409
    with lite_app.app_context():
        assert hosts.get("county-oa").decisions is False


def test_migration_0021_leaves_existing_hosts_unsubscribed(db_url):
    from sqlalchemy import text

    from conftest import upgraded_from

    def seed(conn):
        conn.execute(text("INSERT INTO liaison_http_host (id, name, jurisdiction_id, callback_url, allow_origins, "
                          "version, created_at) VALUES (1, 'oa-old', 1, 'http://127.0.0.1:9/cb', '[]', 1, "
                          "'2026-01-01 00:00:00')"))
        return lambda c: c.execute(text("SELECT name, decisions FROM liaison_http_host")).all()
    assert [(name, bool(on)) for name, on in upgraded_from(db_url, "0019", seed)] == [("oa-old", False)]
