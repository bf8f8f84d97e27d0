"""The repository's site-layer hook examples work when HOOKS_DIR points at them."""
from __future__ import annotations

from pathlib import Path

from conftest import make_app

HOOKS = Path(__file__).resolve().parents[1] / "hooks"


def test_site_hook_examples(sqlite_url, tmp_path):
    app = make_app(sqlite_url, tmp_path / "inst", HOOKS_DIR=str(HOOKS))
    liaison = app.extensions["oa_liaison"]
    names = [n for n, _ in liaison.pm.list_name_plugin()]
    assert "site:rural_revitalisation.py" in names and "site:notify_log.py" in names
    r = liaison.document_issued({"id": "s-1", "issuer": "南部县教育局", "title": "关于推进乡村振兴教育帮扶的实施方案"})
    assert r["committees"][0] == "教科文卫体委员会" and "农村经济委员会" in r["committees"]
    liaison.submission_received({"id": "s-2", "committee": "提案委员会", "unit": "县政府办", "kind": "提案",
                                 "title": "关于加强人防工程管理的建议", "received": "2017-01-02"})
    log = (tmp_path / "inst" / "notifications.log").read_text("utf-8")
    assert "关于加强人防工程管理的建议" in log and "2017-04-05" in log   # 04-02..04 is the 清明 holiday
