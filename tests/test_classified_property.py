"""Property: no classified (密级) document is ever copied, whatever else it contains."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from oa_liaison_plugin.documents.samples import make_issued_docx
from oa_liaison_plugin.models import Copy, Document, db

LEVELS = ["秘密", "机密", "绝密", "機密", "絕密"]
TITLE_WORDS = ["关于", "实施方案", "重大事项", "改革", "人大常委会", "审议", "规划", "教育", "放假", "通知", "报告",
               "民生", "生态文明", "党风廉政", "调研报告"]
ISSUERS = ["南部县教育局", "南部县财政局", "县政协教科文卫体委员会", "南部县公安局交通警察大队", "南部县火星局", ""]
_ids = itertools.count()

secrecy_marks = st.builds(
    lambda level, star, period, pad: f"{pad}{level}{star}{period}{pad}",
    st.sampled_from(LEVELS), st.sampled_from(["", "★", " ★ ", "☆"]),
    st.sampled_from(["", "1年", "10年", "长期"]), st.sampled_from(["", " ", "　"]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mark=secrecy_marks,
       where=st.sampled_from(["host", "file", "both", "host_period"]),
       words=st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=6),
       issuer=st.sampled_from(ISSUERS),
       flags=st.fixed_dictionaries({}, optional={"major": st.booleans(), "important": st.booleans(),
                                                 "npc": st.booleans()}),
       recipients=st.lists(st.sampled_from(["南部县人民代表大会常务委员会", "县级各部门", "县政协"]), max_size=2),
       body=st.text(alphabet="实施方案改革重大事项审议教育机密秘密★，。", max_size=200))
def test_no_classified_document_is_ever_copied(lite_app, mark, where, words, issuer, flags, recipients, body):
    liaison = lite_app.extensions["oa_liaison"]
    level = mark.strip().rstrip("★☆ 0123456789年长期").strip()
    event = {"id": f"p-{next(_ids)}", "issuer": issuer or None, "title": "".join(words), "flags": flags,
             "main_recipients": recipients, "body": body or None}
    if where in ("host", "both"):
        event["secrecy"] = mark
    if where == "host_period":
        event["secrecy"], event["secrecy_period"] = level, "1年"
    if where in ("file", "both"):
        event["file"] = make_issued_docx(issuer=issuer or "南部县教育局", doc_number="南教发〔2017〕1号",
                                         title="".join(words), main_recipients=recipients or ["县级各部门"],
                                         body_paragraphs=[body or "正文"], secrecy=level, secrecy_period="1年")
        event.pop("body")
    result = liaison.document_issued(event)
    assert result["status"] in ("held", "error"), result
    assert not result["committees"] and not result["units"]
    with lite_app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == event["id"]))
        assert db.session.scalar(select(func.count(Copy.id)).where(Copy.document_id == row.id)) == 0
