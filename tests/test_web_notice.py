"""The panel's 从通知导入 page: paste or upload, the differences, apply (audited), roll back (audited)."""
from __future__ import annotations

from importlib import resources

import io
import re

import pytest
from sqlalchemy import select

from test_web_support import build_world, session_client

NOTICE = resources.files("oa_liaison_plugin").joinpath("data/notices/nanbu-2017-1.txt").read_text("utf-8")


@pytest.fixture
def panel(sqlite_url, tmp_path):
    from conftest import make_app
    app = make_app(sqlite_url, tmp_path / "instance", WTF_CSRF_ENABLED=False)
    world = build_world(app)
    yield app, session_client(app, "admin1", world)
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# The 2017 notice with 县投促局 left out, 县航道管理段 moved to 学习文史委员会 and 县交通运输局 called 县交运局.
CHANGED = (NOTICE.replace("、县投促局", "").replace("、县航道管理段", "").replace("、县文联、", "、县文联、县航道管理段、")
           .replace("县交通运输局", "县交运局"))
CHANGES = ["删除单位：县投促局", "改名：县交通运输局 → 县交运局",
           "改变对口：县航道管理段：城市经济委员会 → 学习文史委员会"]


def _version(app) -> int:
    from oa_liaison_plugin.models import Jurisdiction, db
    with app.app_context():
        return db.session.scalar(select(Jurisdiction.table_version).where(Jurisdiction.code == "nanbu"))


def test_the_shipped_notice_changes_nothing_and_says_which_names_are_old(panel):
    app, client = panel
    html = client.post("/table/notice", data={"text": NOTICE}).get_data(as_text=True)
    assert "→ 县安监局" not in html and "改名（0）" in html and "新增单位（0）" in html
    assert "县安监局（现为县应急管理局）" in html and "县卫计局（现为县卫健局）" in html
    assert 'name="change"' not in html   # nothing to tick


def test_each_removal_rename_and_move_is_ticked_before_apply(panel):
    app, client = panel
    html = client.post("/table/notice", data={"text": CHANGED}).get_data(as_text=True)
    for change in CHANGES:
        assert f'value="{change}"' in html
    refused = client.post("/table/notice/apply", data={"text": CHANGED, "change": CHANGES[:2]})
    assert refused.status_code == 400 and "尚未逐项勾选" in refused.get_data(as_text=True)
    assert CHANGES[2] in refused.get_data(as_text=True) and _version(app) == 1
    done = client.post("/table/notice/apply", data={"text": CHANGED, "change": CHANGES})
    assert done.status_code == 302 and _version(app) == 2
    from oa_liaison_plugin.models import db
    from oa_liaison_plugin.web.models import AuditEntry
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "table.import_notice"))
        assert entry.after["diff"]["removed"] == ["县投促局"]
        assert {"notice": "县安监局", "unit": "县应急管理局"} in entry.after["former_used"]


def test_rollback_names_the_version_confirms_and_shows_local_minutes(panel):
    app, client = panel
    client.post("/table/notice/apply", data={"text": CHANGED, "change": CHANGES})
    page = client.get("/table/notice").get_data(as_text=True)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d</td>", page) and not re.search(r":\d\d\.\d{6}", page)
    from oa_liaison_plugin.models import TableVersion, db
    from oa_liaison_plugin.web.labels import local_time
    with app.app_context():
        saved = db.session.scalar(select(TableVersion).where(TableVersion.version == 1))
        assert local_time(saved.created_at) in page   # the county's time, to the minute
    assert "/table/notice/rollback?to=1" in page and "rollback?to=2" not in page   # the current one is not offered
    confirm = client.get("/table/notice/rollback?to=1")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认回退到第 1 版" in html and "新增单位（1）：县投促局" in html
    assert _version(app) == 2   # showing the confirmation changes nothing
    assert client.post("/table/notice/rollback", data={"to": "1"}).status_code == 200 and _version(app) == 2
    done = client.post("/table/notice/rollback", data={"to": "1", "confirmed": "1"}, follow_redirects=True)
    assert "已回退到第 1 版的内容，现为第 3 版" in done.get_data(as_text=True) and _version(app) == 3
    gone = client.post("/table/notice/rollback", data={"to": "7", "confirmed": "1"}, follow_redirects=True)
    assert "请在“版本”表中选择" in gone.get_data(as_text=True) and _version(app) == 3
    from oa_liaison_plugin.web.models import AuditEntry
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "table.rollback"))
        assert entry.after == {"table_version": 3, "note": "回退到第 1 版"}


def test_upload_and_bad_input(panel):
    app, client = panel
    page = client.post("/table/notice", data={"file": (io.BytesIO(NOTICE.encode("gb18030")), "notice.txt")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "城乡建设与环境资源保护委员会" in page.get_data(as_text=True)
    page = client.post("/table/notice", data={"file": (io.BytesIO(b"\x00\x01" * 100), "notice.txt")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "不是文本文件" in page.get_data(as_text=True)
    two = "（一）负责与县政协提案委员会对口联系的部门和单位：县财政局。\n（二）负责与县政协城市经济委员会对口联系的部门和单位：县财政局。"
    page = client.post("/table/notice", data={"text": two})
    html = page.get_data(as_text=True)
    assert "必须先解决" in html and 'id="apply"' not in html
    page = client.post("/table/notice/apply", data={"text": two})
    assert page.status_code == 400 and "未导入" in page.get_data(as_text=True)
    from oa_liaison_plugin.models import Jurisdiction, db
    with app.app_context():
        assert db.session.scalar(select(Jurisdiction.table_version).where(Jurisdiction.code == "nanbu")) == 1
