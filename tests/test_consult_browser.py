"""Issue #26 in a real browser: the committee clerk answers a 征求意见 from the inbox, the unit's clerk reads it."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from helpers import docx
from test_web_browser import CHROMIUM, browser, log_in, page, shot   # noqa: F401 (fixtures)
from test_web_support import build_world

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is not installed")

DRAFT = {"id": "draft-browser", "issuer": "南部县自然资源和规划局", "title": "关于南部县国土空间总体规划的意见（征求意见稿）",
         "flags": {"major": True}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The panel with a county's data and one draft out for consultation."""
    from werkzeug.serving import make_server

    from conftest import make_app
    tmp = tmp_path_factory.mktemp("consult-browser")
    app = make_app(f"sqlite:///{tmp / 'browser.sqlite3'}", tmp / "instance")
    build_world(app)
    liaison = app.extensions["oa_liaison"]
    opened = liaison.draft_for_consultation(dict(DRAFT, file=docx(issuer=DRAFT["issuer"], title=DRAFT["title"],
                                                                  doc_number=None)))
    assert opened["consultations"]
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", app
    srv.shutdown()
    thread.join(5)
    from oa_liaison_plugin.models import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_committee_answers_from_the_inbox_with_an_attachment_and_the_unit_reads_it(server, page, tmp_path):
    base, app = server
    log_in(page, base, "cjhz")
    page.goto(f"{base}/inbox")
    row = page.locator("tr", has_text="国土空间总体规划")
    row.get_by_text("征求意见", exact=True).wait_for()
    shot(page, "40-inbox-consultation")
    with page.expect_download() as info:
        row.get_by_role("link", name="下载征求意见稿").click()
    draft = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename.endswith(".docx") and draft[:2] == b"PK"
    row.get_by_role("link", name="填写意见").click()

    secret = tmp_path / "密件意见.docx"
    secret.write_bytes(docx(issuer="城乡建设与环境资源保护委员会", secrecy="秘密", secrecy_period="1年"))
    page.get_by_label("意见类别").select_option("修改意见")
    page.get_by_label("委员会意见").fill("建议补充生态保护红线的划定依据")
    page.get_by_label("附件（可不传）").set_input_files(str(secret))
    page.get_by_role("button", name="提交意见").click()
    page.get_by_text("标有密级（秘密）").wait_for()
    shot(page, "41-opinion-classified-attachment-refused")

    plain = tmp_path / "修改建议.docx"
    plain.write_bytes(docx(issuer="城乡建设与环境资源保护委员会", title="关于国土空间总体规划的修改建议", doc_number=None))
    page.get_by_label("意见类别").select_option("修改意见")
    page.get_by_label("委员会意见").fill("建议补充生态保护红线的划定依据")
    page.get_by_label("附件（可不传）").set_input_files(str(plain))
    page.get_by_role("button", name="提交意见").click()
    page.get_by_text("已记录城乡建设与环境资源保护委员会的意见").wait_for()
    page.get_by_role("button", name="退出").click()

    log_in(page, base, "zrzy")
    page.goto(f"{base}/consultations")
    row = page.locator("tr", has_text="国土空间总体规划").filter(has_text="城乡建设与环境资源保护委员会")
    assert "修改意见" in row.inner_text() and "建议补充生态保护红线的划定依据" in row.inner_text()
    shot(page, "42-consultations-unit-sees-opinion")
    with page.expect_download() as info:
        row.get_by_role("link", name="修改建议.docx").click()
    assert Path(info.value.path()).read_bytes() == plain.read_bytes()

    from sqlalchemy import func, select

    from oa_liaison_plugin.models import Blob, Consultation, db
    with app.app_context():
        c = db.session.scalar(select(Consultation).where(Consultation.attachment_sha256.is_not(None)))
        assert c.position == "修改意见" and c.attachment_name == "修改建议.docx"
        # the refused classified attachment was never stored
        import hashlib
        assert db.session.scalar(select(func.count()).select_from(Blob).where(
            Blob.sha256 == hashlib.sha256(secret.read_bytes()).hexdigest())) == 0
