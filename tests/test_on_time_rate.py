"""One 按期答复率: the panel's page, `submissions on-time`, the review page and the yearly .docx show the same figure."""
from __future__ import annotations

import io
import json

import docx

from test_meetings import run
from test_review import county_year
from test_web_support import session_client


def test_the_four_places_show_one_on_time_rate(lite_app, tmp_path):
    lite_app.config["WTF_CSRF_ENABLED"] = False
    liaison = lite_app.extensions["oa_liaison"]
    # 2017: s-1 answered first by its deadline (then reopened and answered again), s-2 open past its deadline,
    # s-3 answered after its deadline; s-4 was received in 2016. One answer on time out of three due.
    county_year(lite_app, liaison)
    total, education = "33.3%（1/3）", "50%（1/2）"

    with lite_app.app_context():
        from oa_liaison_plugin.models import db
        from oa_liaison_plugin.web.users.accounts import create_user
        create_user(liaison, username="admin1", password="Correct-Horse-9", role="admin")
        db.session.commit()
    panel = session_client(lite_app, "admin1", None)
    page = panel.get("/submissions/on-time?year=2017").get_data(as_text=True)
    assert total in page and education in page

    r = run(lite_app, "submissions", "on-time", "--year", "2017", "--json")
    assert r.exit_code == 0, r.output
    cli = json.loads(r.output)
    assert cli["total"]["text"] == total and {"on_time": 1, "due": 3, "late": 2}.items() <= cli["total"].items()
    assert {u["unit"]: u["text"] for u in cli["units"]}["县教育局"] == education

    review = panel.get("/review?year=2017").get_data(as_text=True)
    assert f"按期答复率 {total}" in review and education in review
    from oa_liaison_plugin.review.stats import ON_TIME_DEFINITION   # explained alike on both pages
    assert ON_TIME_DEFINITION in page and ON_TIME_DEFINITION in review

    r = run(lite_app, "report", "year", "2017", "--out", str(tmp_path / "r.docx"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["totals"]["on_time_rate"]["text"] == total
    text = "".join(p.text for p in docx.Document(io.BytesIO((tmp_path / "r.docx").read_bytes())).paragraphs)
    assert f"按期答复率{total}" in text and cli["definition"] in text
