"""The 从通知导入 page in a real browser: upload the notice, read the differences, apply, roll back."""
from __future__ import annotations

from importlib import resources

from pathlib import Path

from test_web_browser import browser, log_in, page, server, shot  # noqa: F401 (fixtures)

NOTICE = Path(str(resources.files("oa_liaison_plugin").joinpath("data/notices/nanbu-2017-1.txt")))


def test_admin_imports_a_notice_and_rolls_back(server, page):  # noqa: F811
    base, app, _ = server
    log_in(page, base, "admin1")
    page.goto(f"{base}/table")
    page.get_by_role("link", name="从通知导入").click()
    page.get_by_label("或上传通知文件（.txt 或 .docx）").set_input_files(str(NOTICE))
    page.get_by_role("button", name="解析并对照").click()
    diff = page.locator("#diff").inner_text()
    assert "县卫健局 → 县卫计局" in diff and "新增单位（2）：县国税局、县旅游局" in diff
    assert "社会法制联谊委员会" in page.locator("#compare").inner_text()
    shot(page, "30-notice-review")
    page.locator("#apply").click()
    page.get_by_text("已按通知导入，现为第 2 版对口联系表").wait_for()
    assert "县卫计局" in page.content()
    page.goto(f"{base}/table/notice")
    page.locator("#rollback").click()
    page.get_by_text("已回退，现为第 3 版对口联系表").wait_for()
    assert "回退到第 1 版" in page.locator("#versions").inner_text()
    shot(page, "31-notice-versions")
    page.goto(f"{base}/table")
    assert "县卫健局" in page.content()
