"""Every page of the panel fits a 1366 px screen and a 390 px phone, for each role, with no inline style left."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_web_browser import CHROMIUM, browser, log_in, server  # noqa: F401  (fixtures)

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "layout"
TEMPLATES = Path(__file__).resolve().parents[1] / "oa_liaison_plugin" / "web" / "templates"
WIDTHS = (1366, 390)
ROLES = ("admin1", "jyj", "jkwwt")
# Links that download a file or leave the session, never a page to measure.
NOT_PAGES = re.compile(r"(\.docx|\.xlsx|/file$|/attachments/|/logout|/export)")
# Pages no menu links to as they look with data: the world's records are of 2017.
EXTRA = {"admin1": ["/review?year=2017", "/meetings/compliance?year=2017"]}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is not installed")


def _pages(page, base: str) -> list[str]:
    """The menu's pages, then one page of each kind they link to (/documents/7 and /8 are one kind)."""
    menu = [urlsplit(h).path for h in page.locator("nav.side a").evaluate_all("as => as.map(a => a.href)")]
    seen, out = set(), []
    for path in menu:
        seen.add(path)
        out.append(path)
    for path in menu:
        page.goto(base + path)
        for href in page.locator("main a[href]").evaluate_all("as => as.map(a => a.href)"):
            parts = urlsplit(href)
            if not href.startswith(base) or NOT_PAGES.search(parts.path):
                continue
            kind = re.sub(r"/[^/]*\d[^/]*|/[^/]+(?=/edit$)", "/N", parts.path)   # ids, and what is edited
            if kind not in seen:
                seen.add(kind)
                out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


@contextlib.contextmanager
def signed_in(browser, base: str, username: str, width: int):
    """A page logged in as ``username`` on a screen ``width`` px wide, closed afterwards."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, base, username)
        yield page
    finally:
        context.close()


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("username", ROLES)
def test_every_page_fits_a_desktop_and_a_phone(server, browser, username):  # noqa: F811
    base, _, _ = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with signed_in(browser, base, username, 1366) as page:
        paths = _pages(page, base) + EXTRA.get(username, [])
        assert len(paths) >= 5
        wide = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                page.goto(base + path)
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                full = page.evaluate("document.documentElement.scrollHeight") <= 4000
                page.screenshot(path=str(SHOTS / f"{username}-{width}-{name}.png"), full_page=full)
                if _overflow(page) > 0:
                    wide.append((width, path, _overflow(page)))
        assert wide == [], f"pages wider than the screen (width, page, extra px): {wide}"


def test_dates_do_not_break_and_titles_keep_their_width(server, browser):  # noqa: F811
    """On a phone a date stays on one line, and a title or a header link is not wrapped every few characters."""
    base, _, _ = server
    with signed_in(browser, base, "jkwwt", 390) as page:   # the longest header: 教科文卫体委员会
        page.goto(f"{base}/submissions")
        date = page.locator("tbody tr td.date").first
        box = date.bounding_box()
        line = float(date.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        assert box["height"] < 2 * line + 1   # its padding aside, one line
        title = page.locator("tbody tr td a", has_text="寄宿制").first
        assert title.bounding_box()["width"] > 200
        for link in ("修改密码", "退出"):   # the header's links keep their words whole
            element = page.locator("header.top").get_by_text(link, exact=True)
            own = float(element.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
            assert element.bounding_box()["height"] < 1.5 * own, link


def test_skip_link_and_body_text_size(server, browser):  # noqa: F811
    base, _, _ = server
    with signed_in(browser, base, "jyj", 1366) as page:
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert skip.inner_text() == "跳到正文"
        assert page.evaluate("document.activeElement.className") == "skip"
        assert skip.is_visible()
        page.keyboard.press("Enter")
        page.wait_for_function("location.hash === '#content'")
        assert page.evaluate("document.activeElement.id") == "content"
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main td')).fontSize)")
        assert size >= 14
        for small in page.locator("main small, main .hint, main .d, main .badge").all():
            assert float(small.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 14


def test_print_shows_the_content_without_menu_or_forms(server, browser):  # noqa: F811
    """Printed, the review and a held document's decision page keep their content and drop menu and forms."""
    base, _, world = server
    with signed_in(browser, base, "admin1", 1366) as page:
        for path, content in (("/review?year=2017", "各部门（单位）"),
                              (f"/documents/{world['held_document']}", "抄送与已读回执")):
            page.goto(base + path)
            assert page.locator("nav.side").is_visible() and page.locator("main form").first.is_visible()
            page.emulate_media(media="print")
            assert page.get_by_text(content, exact=True).is_visible()
            for hidden in ("nav.side", "header.top", "main form", "main .button"):
                assert page.locator(hidden).evaluate_all("es => es.every(e => e.offsetParent === null)"), (path, hidden)
            page.pdf(path=str(SHOTS / f"print-{path.strip('/').split('?')[0].replace('/', '-')}.pdf"))
            page.emulate_media(media="screen")


def test_no_inline_styles_in_templates():
    """The CSP blocks inline styles: a style attribute in a template is a layout that silently does not apply."""
    found = [f"{p.relative_to(TEMPLATES)}:{i}" for p in TEMPLATES.rglob("*.html")
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "style=" in line]
    assert found == []
