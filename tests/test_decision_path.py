"""One decision path: every way a document is decided agrees; plugins cannot lose a document; stricter wins."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import helpers
from helpers import copies
from oa_liaison_plugin import hookimpl
from oa_liaison_plugin.models import Copy, Decision, Document, EventError, db
from oa_liaison_plugin.decision.backfill import backfill_since
from oa_liaison_plugin.decision.route import preview

QUALIFIED = dict(issuer="南部县教育局", title="关于印发《南部县义务教育均衡发展实施方案》的通知")


def docx(**kw):
    return helpers.docx(**{"main_recipients": ["各乡镇人民政府"], "date": None, **kw})


class HoldPilot:
    """A site plugin: documents about 试点 wait for a person."""

    @hookimpl
    def qualification_signals(self, document, facts):
        if "试点" in (facts.get("title") or ""):
            return [{"action": "hold", "reason": "试点文件须分管领导先看"}]
        return []


def test_a_plugin_hold_is_honoured_by_backfill(app, liaison, host):
    """Backfill used to re-decide without plugin signals: a held document was copied on --apply."""
    liaison.pm.register(HoldPilot())
    r = host.issue(issuer="南部县教育局", title="关于开展义务教育改革试点的实施方案")
    assert r["status"] == "held" and "试点文件" in r["hold_reason"]
    with app.app_context():
        summary = backfill_since(liaison, dt.date(2000, 1, 1), apply=True)
    assert summary["by_status"] == {"held": 1}
    assert copies(app, r["host_id"]) == 0


def test_a_plugin_hold_is_honoured_after_a_mapping(app, liaison, host):
    """Re-deciding an unmatched document after its issuer is mapped consults the plugins too."""
    from oa_liaison_plugin.table import file as table
    from oa_liaison_plugin.decision.route import reroute_unmatched
    r = host.issue(issuer="南部县新教育局", title="关于开展义务教育改革试点的实施方案")
    assert r["status"] == "unmatched"
    liaison.pm.register(HoldPilot())   # e.g. the site's hooks folder gained a file since
    with app.app_context():
        data = table.export(liaison.jurisdiction().code)
        next(u for u in data["units"] if u["name"] == "县教育局").setdefault("aliases", []).append("南部县新教育局")
        table.load(data)
    assert reroute_unmatched(liaison) == [r["host_id"]]
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == r["host_id"]))
        assert row.status == "held" and "试点文件" in row.hold_reason
    assert copies(app, r["host_id"]) == 0


class Watcher:
    """A plugin that merely watches issuing and returns a small dict of its own."""
    seen: list = []

    @hookimpl
    def document_issued(self, document):
        self.seen.append(document["id"])
        return {"logged": True}


class BrokenWatcher:
    @hookimpl
    def document_issued(self, document):
        raise RuntimeError("watcher bug")


def test_the_host_receives_the_built_in_result_whatever_watchers_do(app, liaison):
    """The newest plugin's dict used to replace the built-in summary; a raising watcher broke the host's flow."""
    liaison.pm.register(Watcher())
    liaison.pm.register(BrokenWatcher())
    r = liaison.document_issued({"id": "w-1", **QUALIFIED})
    assert r["status"] == "routed" and r["document_id"] == "w-1" and "logged" not in r
    assert Watcher.seen[-1] == "w-1"
    direct = liaison.check_before_issue({"id": "w-2", **QUALIFIED})
    assert direct and direct[0].startswith("印发后将抄送")
    with app.app_context():
        err = db.session.scalar(select(EventError).where(EventError.code == "plugin_error"))
        assert "watcher bug" in err.message and err.subject == "w-1"


class BrokenSignals:
    @hookimpl
    def qualification_signals(self, document, facts):
        raise ValueError("signals bug")


class BadShape:
    @hookimpl
    def qualification_signals(self, document, facts):
        return "important"   # not a list of mappings


@pytest.mark.parametrize("plugin", [BrokenSignals, BadShape])
def test_a_failing_signal_plugin_holds_the_document(app, liaison, host, plugin):
    """An error in qualification_signals used to become a note, and the document was copied anyway."""
    liaison.pm.register(plugin())
    r = host.issue(file=docx(), **QUALIFIED)
    assert r["status"] == "held" and plugin.__name__ not in ("",) and "人工" in r["hold_reason"]
    assert copies(app, r["host_id"]) == 0
    with app.app_context():
        err = db.session.scalar(select(EventError).where(EventError.code == "plugin_error"))
        assert err.event == "qualification_signals" and err.subject == r["host_id"]


class NotifyBroken:
    @hookimpl
    def notify(self, recipient, subject, body):
        raise ConnectionError("短信网关不可用")


def test_one_failing_notify_does_not_stop_the_others_or_the_event(app, liaison, host):
    """An error in one notify used to stop the others, and submission_received answered status error."""
    liaison.pm.register(NotifyBroken())   # newest: pluggy calls it first
    sub = liaison.submission_received({"id": "s-9", "committee": "县政协教科文卫体委员会", "unit": "县教育局",
                                       "kind": "提案", "title": "关于加强农村学校建设的建议",
                                       "received": "2017-03-01"})
    assert sub.get("status") != "error" and sub["due"] == "2017-06-01"
    assert any("关于加强农村学校建设的建议" in m.body for m in host.messages())   # the host's notify still ran
    with app.app_context():
        err = db.session.scalar(select(EventError).where(EventError.event == "notify"))
        assert "短信网关不可用" in err.message and err.subject == "s-9"


def test_the_copy_names_its_document(app, liaison, host):
    """The copy handed to deliver_copy had no document_id (the spec promised the host's id)."""
    received = []

    class Inbox:
        @hookimpl(tryfirst=True)
        def deliver_copy(self, copy):
            received.append(copy)
            return None   # let the reference host store it

    liaison.pm.register(Inbox())
    r = host.issue(file=docx(), **QUALIFIED)
    assert r["status"] == "routed" and received
    assert {c["document_id"] for c in received} == {r["host_id"]}


def test_extra_recipients_sees_the_facts_read_from_the_file(app, liaison):
    """extra_recipients saw only the host's mapping: a title read from the file was invisible to it."""
    seen = {}

    class Topic:
        @hookimpl
        def extra_recipients(self, document, committees, facts):
            seen.update(title=document.get("title"), facts_title=facts.get("title"), committees=committees)
            return ["提案委员会"] if "均衡发展" in (document.get("title") or "") else []

    liaison.pm.register(Topic())
    r = liaison.document_issued({"id": "x-1", "issuer": "南部县教育局", "file": docx()})
    assert seen["title"] == seen["facts_title"] == "关于印发《南部县义务教育均衡发展实施方案》的通知"
    assert r["committees"] == ["教科文卫体委员会", "提案委员会"]


# ------------------------------------------------------------------------------------ stricter wins


@pytest.mark.parametrize("flags", [{}, {"important": True}])
def test_the_host_saying_not_classified_does_not_overrule_the_file(app, liaison, flags):
    """With the host passing secrecy 无 the host won and the classified file was copied (issue 16, cause 3)."""
    data = docx(secrecy="秘密", secrecy_period="6个月")
    r = liaison.document_issued({"id": "s-1", **QUALIFIED, "secrecy": "无", "flags": flags, "file": data})
    assert r["status"] == "held" and not r["committees"]
    assert "无" in r["hold_reason"] and "秘密" in r["hold_reason"]
    assert copies(app) == 0
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "s-1"))
        assert row.secrecy == "秘密" and row.meta["host"]["secrecy"] == "无"
        assert row.meta["disagreements"]["secrecy"] == {"host": "无", "file": "秘密"}


def test_the_stricter_of_two_levels_wins(app, liaison):
    data = docx(secrecy="机密", secrecy_period="1年")
    r = liaison.document_issued({"id": "s-2", **QUALIFIED, "secrecy": "秘密", "file": data})
    assert r["status"] == "held" and "机密" in r["hold_reason"] and "秘密" in r["hold_reason"]
    with app.app_context():
        assert db.session.scalar(select(Document.secrecy).where(Document.host_id == "s-2")) == "机密"


def test_the_host_marking_a_plain_file_classified_holds_it(app, liaison):
    r = liaison.document_issued({"id": "s-3", **QUALIFIED, "secrecy": "秘密", "file": docx()})
    assert r["status"] == "held" and "秘密" in r["hold_reason"]


def test_a_restricting_note_in_the_file_wins_over_the_hosts_plain_note(app, liaison):
    """The host's 附注 replaced the file's: a file saying 限…范围内传达 was copied when the host gave another note."""
    data = docx(note="限县级机关范围内传达")
    r = liaison.document_issued({"id": "n-1", **QUALIFIED, "note": "此件发至乡镇", "file": data})
    assert r["status"] == "held" and "限县级机关范围内传达" in r["hold_reason"]
    assert copies(app) == 0


def test_an_unreadable_file_is_held_with_the_read_error_not_as_unknown_issuer(app, liaison):
    """Without a host issuer an unreadable file was reported as '发文单位（空）不在对口联系表中'."""
    r = liaison.document_issued({"id": "u-1", "file": b"PK\x03\x04 broken"})
    assert r["status"] == "held" and "文件无法读取" in r["hold_reason"] and "对口联系表" not in r["hold_reason"]
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == "u-1"))
        assert row.status == "held" and row.meta["read_error"]["code"] == "truncated"


def test_preview_and_issue_agree(app, liaison):
    """The rule tester/pre-issue check and issuing are one path: same status, reason and committees."""
    events = [{"id": f"a-{i}", **e} for i, e in enumerate([
        {**QUALIFIED, "file": docx()},
        {**QUALIFIED, "secrecy": "无", "file": docx(secrecy="机密")},
        {"file": b"not a zip"},
        {"issuer": "南部县火星局", "title": "关于火星的通知"},
        {"issuer": "南部县教育局", "title": "关于国庆节放假的通知"},
    ])]
    for event in events:
        with app.app_context():
            p = preview(liaison, event)
        r = liaison.document_issued(event)
        assert (p["status"], p["hold_reason"], p["committees"]) == (r["status"], r["hold_reason"], r["committees"])


def test_an_administrators_decision_is_recorded_through_the_one_path(app, liaison):
    from oa_liaison_plugin.decision.route import Classified, decide_manually
    liaison.document_issued({"id": "s-1", **QUALIFIED, "secrecy": "秘密"})
    liaison.document_issued({"id": "m-1", **QUALIFIED, "note": "此件不公开"})
    with app.app_context():
        secret = db.session.scalar(select(Document).where(Document.host_id == "s-1"))
        with pytest.raises(Classified):   # 保密法: not even a person sends a classified document through here
            decide_manually(liaison, secret, ["教科文卫体委员会"], reason="经保密办同意", user="admin1")
        db.session.rollback()
        assert db.session.get(Document, secret.id).status == "held"
        row = db.session.scalar(select(Document).where(Document.host_id == "m-1"))
        decide_manually(liaison, row, ["教科文卫体委员会"], reason="附注限制的是对外公开", user="admin1")
        db.session.commit()
        last = db.session.scalar(select(Decision).where(Decision.document_id == row.id).order_by(Decision.id.desc()))
        assert last.trigger == "manual" and last.committees == ["教科文卫体委员会"]
        assert "原暂存原因" in last.reasons[1]["text"]
        # backfill never overrules a person
        backfill_since(liaison, dt.date(2000, 1, 1), apply=True)
        assert db.session.get(Document, row.id).status == "routed"
    assert copies(app, "m-1") == 1 and copies(app, "s-1") == 0


# ------------------------------------------------------------------ one test per promise of the hook docs


def test_an_exclude_signal_never_overrides_a_host_flag(app, liaison):
    class Exclude:
        @hookimpl
        def qualification_signals(self, document, facts):
            return [{"action": "exclude", "reason": "插件：例行事务"}]

    liaison.pm.register(Exclude())
    plain = liaison.document_issued({"id": "e-1", **QUALIFIED})
    flagged = liaison.document_issued({"id": "e-2", **QUALIFIED, "flags": {"important": True}})
    assert plain["status"] == "not_qualified" and flagged["status"] == "routed"


def test_unknown_extra_recipients_are_recorded_and_ignored(app, liaison):
    class Extra:
        @hookimpl
        def extra_recipients(self, committees):
            return ["火星委员会", "提案委员会"]

    liaison.pm.register(Extra())
    r = liaison.document_issued({"id": "x-2", **QUALIFIED})
    assert r["committees"] == ["教科文卫体委员会", "提案委员会"]
    assert any(x["code"] == "extra_unknown" and "火星委员会" in x["text"] for x in r["reasons"])


def test_a_failing_deliver_copy_lets_the_next_implementation_accept(app, liaison, host):
    class Flaky:
        @hookimpl
        def deliver_copy(self, copy):
            raise TimeoutError("旧收件接口超时")

    liaison.pm.register(Flaky())   # newest: asked first
    r = host.issue(file=docx(), **QUALIFIED)
    assert r["status"] == "routed" and len(host.inbox()) == len(r["committees"])
    with app.app_context():
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.status == "delivered")) == len(r["committees"])
        err = db.session.scalar(select(EventError).where(EventError.event == "deliver_copy"))
        assert err.code == "plugin_error" and "旧收件接口超时" in err.message


def test_a_failing_fetch_document_file_holds_the_document(app, liaison):
    class Fetch:
        @hookimpl
        def fetch_document_file(self, document_id):
            raise OSError("文件服务器不可达")

    liaison.pm.register(Fetch())
    r = liaison.document_issued({"id": "f-1", **QUALIFIED})
    assert r["status"] == "held" and "文件服务器不可达" in r["hold_reason"]
    assert copies(app) == 0


def test_a_meeting_watcher_cannot_change_or_break_the_answer(app, liaison):
    class Watch:
        @hookimpl
        def meeting_scheduled(self, meeting):
            raise RuntimeError("watch bug")

    liaison.pm.register(Watch())
    m = liaison.meeting_scheduled({"id": "m-1", "unit": "县财政局", "title": "全县财政工作会议",
                                   "held_on": "2017-04-01"})
    assert m["invite"] == ["城市经济委员会"]
    with app.app_context():
        assert "watch bug" in db.session.scalar(select(EventError.message)
                                                .where(EventError.event == "meeting_scheduled"))


def test_draft_context_merges_in_call_order_and_skips_a_failure(app, liaison):
    class First:
        @hookimpl
        def draft_context(self, kind, context):
            return {"closing": "此复。", "signer": "甲"}

    class Broken:
        @hookimpl
        def draft_context(self, kind, context):
            raise KeyError("bug")

    class Last:
        @hookimpl
        def draft_context(self, kind, context):
            return {"closing": "特此函复。"}

    for plugin in (First(), Broken(), Last()):
        liaison.pm.register(plugin)
    with app.app_context():
        # newest registered is called first; a later call overrides an earlier one in the merge
        assert liaison.draft_context("reply", {}) == {"closing": "此复。", "signer": "甲"}
        assert db.session.scalar(select(EventError).where(EventError.event == "draft_context")) is not None


def test_a_document_from_a_merged_unit_goes_to_all_its_committees(app, liaison):
    r = liaison.document_issued({"id": "merged-1", "issuer": "南部县文化广播电视和旅游局",
                                 "title": "关于印发《南部县文化旅游融合发展实施方案》的通知"})
    assert r["status"] == "routed" and r["committees"][:2] == ["教科文卫体委员会", "学习文史委员会"]
    assert [x["committee"] for x in r["reasons"] if x["code"] == "counterpart"] == ["教科文卫体委员会", "学习文史委员会"]
    with app.app_context():
        assert copies(app, "merged-1") == len(r["committees"])


def test_the_table_file_carries_several_committees_for_a_merged_unit(app, liaison):
    from oa_liaison_plugin.table import file as table
    with app.app_context():
        data = table.export("nanbu")
        entry = next(u for u in data["units"] if u["name"] == "县文旅局")
        assert entry["committees"] == ["教科文卫体委员会", "学习文史委员会"] and "committee" not in entry
        table.load(data)   # round trip: the same links again, nothing duplicated
        again = next(u for u in table.export("nanbu")["units"] if u["name"] == "县文旅局")
        assert again["committees"] == entry["committees"]
        entry["committees"] = ["教科文卫体委员会", "火星委员会"]
        with pytest.raises(table.TableError) as err:
            table.load(data)
        assert any("火星委员会" in p for p in err.value.problems)
