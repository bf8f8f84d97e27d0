"""The host contract: every hook is documented, every hook is exercised, bad plugins fail loudly."""
from __future__ import annotations

import datetime as dt
import inspect
import sys
import textwrap

import pluggy
import pytest

from oa_liaison_plugin import get_plugin_manager, hookimpl, hookspecs, reminders

SPECS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(fn, "oa_liaison_spec")]


def test_spec_families_cover_every_spec():
    families = hookspecs.HOST_EVENTS + hookspecs.HOST_SERVICES + hookspecs.EXTENSION_POINTS
    assert sorted(families) == sorted(SPECS)
    assert {"document_issued", "submission_received", "meeting_scheduled", "check_before_issue"} <= set(SPECS)
    assert {"deliver_copy", "notify"} <= set(SPECS)


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_documented(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.endswith(".") and len(summary) > 20, f"{name}: one-line summary"
    for param in inspect.signature(getattr(hookspecs, name)).parameters:
        assert f":param {param}:" in doc, f"{name}: parameter {param} undocumented"
    assert ":return:" in doc, f"{name}: return undocumented"
    assert "Ordering:" in doc, f"{name}: ordering undocumented"


class Extensions:
    """A third-party plugin using every extension point."""

    @hookimpl
    def qualification_signals(self, document, facts):
        if "试点" in (facts.get("title") or ""):
            return [{"action": "important", "reason": "插件：试点工作属重要文件"}]
        return []

    @hookimpl
    def extra_recipients(self, document, committees):
        return ["提案委员会"] if "城市经济委员会" in committees else []

    @hookimpl
    def draft_context(self, kind, context):
        return {"closing": "特此函复。"}


def test_every_hook_is_exercised(liaison, host):
    called: list[str] = []
    undo = liaison.pm.add_hookcall_monitoring(lambda name, impls, kw: called.append(name),
                                              lambda outcome, name, impls, kw: None)
    liaison.pm.register(Extensions(), name="extensions")
    try:
        result = host.issue(issuer="南部县财政局", title="关于开展预算绩效管理试点工作的通知",
                            main_recipients=["各乡镇人民政府"], body="为推进预算绩效管理……")
        assert result["status"] == "routed"
        assert result["committees"][:2] == ["城市经济委员会", "提案委员会"]
        assert result["advice"] == ["印发后将抄送：城市经济委员会、提案委员会"]
        liaison.pm.hook.fetch_document_file(liaison=liaison, document_id=result["host_id"])
        sub = liaison.submission_received({"id": "s-1", "committee": "县政协教科文卫体委员会", "unit": "县教育局",
                                           "kind": "提案", "title": "关于加强农村学校建设的建议",
                                           "received": "2017-03-01"})
        assert sub["due"] == "2017-06-01"
        meeting = liaison.meeting_scheduled({"id": "m-1", "unit": "县财政局", "title": "全县财政工作会议",
                                             "held_on": "2017-04-01"})
        assert meeting["invite"] == ["城市经济委员会"]
        drafted = liaison.draft_for_consultation({"id": "d-1", "issuer": "南部县财政局", "flags": {"major": True},
                                                  "title": "关于预算绩效管理改革的实施方案（征求意见稿）"})
        assert drafted["consultations"] and drafted["consultations"][0]["committee"] == "城市经济委员会"
        ctx = liaison.pm.hook.draft_context(liaison=liaison, kind="reply", context={})
        assert {"closing": "特此函复。"} in ctx
        sent = reminders.run(liaison, dt.date(2017, 5, 28))   # reminder_passes: the task is due in 15 days
        assert [line["submission_id"] for line in sent if line["kind"] == "submission"] == ["s-1"]
    finally:
        undo()
    assert set(SPECS) <= set(called), f"never called: {set(SPECS) - set(called)}"
    assert [m.subject for m in host.messages()]  # notify reached the host


def test_misspelled_hook_in_site_folder_fails_loudly(tmp_path):
    (tmp_path / "typo.py").write_text(textwrap.dedent("""
        from oa_liaison_plugin import hookimpl

        @hookimpl
        def document_isued(liaison, document):
            return None
    """), "utf-8")
    with pytest.raises(pluggy.PluginValidationError, match="document_isued"):
        get_plugin_manager(tmp_path)


def test_site_hooks_folder_is_loaded_in_name_order(tmp_path):
    for name in ("b_second.py", "a_first.py", "_private.py"):
        (tmp_path / name).write_text(textwrap.dedent("""
            from oa_liaison_plugin import hookimpl

            @hookimpl
            def extra_recipients(liaison, document, committees):
                return [__name__]
        """), "utf-8")
    pm = get_plugin_manager(tmp_path)
    names = [n for n, _ in pm.list_name_plugin()]
    assert "site:a_first.py" in names and "site:b_second.py" in names
    assert not any("_private" in n for n in names)


def test_entry_point_plugins_are_loaded(tmp_path, monkeypatch):
    pkg = tmp_path / "liaison_ep_demo.py"
    pkg.write_text("from oa_liaison_plugin import hookimpl\n\n@hookimpl\n"
                   "def notify(liaison, recipient, subject, body):\n"
                   "    return None\n", "utf-8")
    dist = tmp_path / "liaison_ep_demo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: liaison-ep-demo\nVersion: 1.0\n", "utf-8")
    (dist / "entry_points.txt").write_text("[oa_liaison]\ndemo = liaison_ep_demo\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    pm = get_plugin_manager()
    assert "demo" in [n for n, _ in pm.list_name_plugin()]
    sys.modules.pop("liaison_ep_demo", None)
