"""The panel's 从通知导入 page: paste or upload, the differences, apply (audited), roll back (audited)."""
from __future__ import annotations

from importlib import resources

import io

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


def test_paste_review_apply_and_roll_back(panel):
    app, client = panel
    page = client.post("/table/notice", data={"text": NOTICE})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "县应急管理局 → 县安监局" in html  # the 2019 renames shown the other way round
    assert "新增单位（2）：县国税局、县旅游局" in html
    assert 'id="apply"' in html
    done = client.post("/table/notice/apply", data={"text": NOTICE})
    assert done.status_code == 302
    from oa_liaison_plugin.models import Jurisdiction, db
    from oa_liaison_plugin.web.models import AuditEntry
    with app.app_context():
        assert db.session.scalar(select(Jurisdiction.table_version).where(Jurisdiction.code == "nanbu")) == 2
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "table.import_notice"))
        # the 2017 notice undoes the 2019 merges
        assert entry.after["source"] == "南委办〔2017〕1号" and entry.after["diff"]["added"] == ["县国税局", "县旅游局"]
    assert client.post("/table/notice/rollback").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Jurisdiction.table_version).where(Jurisdiction.code == "nanbu")) == 3
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "table.rollback")) is not None
    assert "回退到第 1 版" in client.get("/table/notice").get_data(as_text=True)


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
