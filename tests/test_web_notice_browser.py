"""The 从通知导入 page in a real browser: upload the notice, read the differences, tick, apply, roll back."""
from __future__ import annotations

import re
from importlib import resources

from pathlib import Path

from test_web_browser import browser, log_in, page, server, shot  # noqa: F401 (fixtures)

NOTICE = Path(str(resources.files("oa_liaison_plugin").joinpath("data/notices/nanbu-2017-1.txt")))


def _upload(page, base, path):
    page.goto(f"{base}/table")
    page.get_by_role("link", name="从通知导入").click()
    page.get_by_label("或上传通知文件（.txt 或 .docx）").set_input_files(str(path))
    page.get_by_role("button", name="解析并对照").click()


def test_admin_ticks_each_change_and_rolls_back_to_a_named_version(server, page, tmp_path):  # noqa: F811
    base, app, _ = server
    log_in(page, base, "admin1")
    _upload(page, base, NOTICE)
    diff = page.locator("#diff").inner_text()
    # the shipped 2017 notice names units by their pre-2019 names: shown as such, nothing renamed back
    assert "县安监局（现为县应急管理局）" in diff and "改名（0）" in diff and "→ 县卫计局" not in diff
    shot(page, "30-notice-review")
    changed = tmp_path / "notice.txt"
    changed.write_text(NOTICE.read_text("utf-8").replace("、县投促局", "").replace("县交通运输局", "县交运局"), "utf-8")
    _upload(page, base, changed)
    boxes = page.locator("#changes input[type=checkbox]")
    assert boxes.count() == 2
    boxes.first.check()
    page.locator("#apply").click()
    page.get_by_text("尚未逐项勾选确认").wait_for()
    assert "改名：县交通运输局 → 县交运局" in page.get_by_role("alert").inner_text()
    page.locator("#changes input[type=checkbox]").first.check()
    page.locator("#changes input[type=checkbox]").nth(1).check()
    page.locator("#apply").click()
    page.get_by_text("已按通知导入，现为第 2 版对口联系表").wait_for()
    page.goto(f"{base}/table/notice")
    versions = page.locator("#versions").inner_text()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d(?!:)", versions) and not re.search(r"\.\d{6}", versions)
    page.get_by_role("link", name="回退到此版…").click()
    page.get_by_text("即将把对口联系表回退到第 1 版").wait_for()
    assert "新增单位（1）：县投促局" in page.locator("#diff").inner_text()
    page.get_by_role("button", name="确认回退到第 1 版").click()
    page.get_by_text("已回退到第 1 版的内容，现为第 3 版对口联系表").wait_for()
    shot(page, "31-notice-versions")
    # the bad version is only ever brought back by naming it, never by pressing 回退 again
    assert page.locator("#versions").get_by_role("link", name="回退到此版…").count() == 2
    page.goto(f"{base}/table?q=县投促局")
    assert "南部县投资促进局" in page.content()
