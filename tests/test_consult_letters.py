"""Must 6 of #26: the 征求意见函 from the consultation record (the draft attached and named in 附件) and the
committee's 复函 from its answer, on the command line and in the panel, checked by opening the .docx."""
from __future__ import annotations

import json

import docx as python_docx

from helpers import cli, docx

DRAFT = {"id": "draft-letter", "issuer": "南部县自然资源和规划局", "title": "关于南部县国土空间总体规划的意见（征求意见稿）",
         "flags": {"major": True}, "file_name": "国土空间总体规划（征求意见稿）.docx"}


def _text(path) -> str:
    d = python_docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_letter_with_the_draft_and_the_reply_from_the_answer_on_the_cli(tmp_path):
    import base64
    draft_file = docx(issuer=DRAFT["issuer"], title=DRAFT["title"], doc_number=None)
    (tmp_path / "draft.json").write_text(json.dumps(
        dict(DRAFT, file_base64=base64.b64encode(draft_file).decode()), ensure_ascii=False), "utf-8")
    inst = tmp_path / "i"
    opened = cli(inst, "consultations", "open", "--input", str(tmp_path / "draft.json"), "--json")
    assert opened.returncode == 0, opened.stderr
    cid = str(json.loads(opened.stdout)["consultations"][0]["id"])
    early = cli(inst, "consultations", "letter", cid, "--reply", "--json")
    assert early.returncode == 2 and "尚未反馈" in json.loads(early.stdout)["error"]

    out = tmp_path / "out" / "征求意见函.docx"
    out.parent.mkdir()
    made = cli(inst, "consultations", "letter", cid, "--doc-number", "南自然资函〔2017〕3号", "--out", str(out),
               "--json")
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["letter"] == str(out) and result["draft"].endswith("国土空间总体规划（征求意见稿）.docx")
    assert (tmp_path / "out" / "国土空间总体规划（征求意见稿）.docx").read_bytes() == draft_file
    text = _text(out)
    assert "关于征求《关于南部县国土空间总体规划的意见》意见的函" in text.replace("\n", "")
    assert "县政协城乡建设与环境资源保护委员会：" in text
    assert "附件：1.国土空间总体规划（征求意见稿）" in text and "2.意见反馈表" in text
    assert "意见反馈表" in text and "同意／修改意见／不同意" in text

    (tmp_path / "意见.docx").write_bytes(docx(issuer="城乡建设与环境资源保护委员会", title="修改建议", doc_number=None))
    answered = cli(inst, "consultations", "answer", cid, "--opinion", "建议补充生态保护红线的划定依据",
                   "--position", "修改意见", "--attachment", str(tmp_path / "意见.docx"), "--json")
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["attachment_name"] == "意见.docx"
    reply = cli(inst, "consultations", "letter", cid, "--reply", "--out", str(tmp_path / "复函.docx"), "--json")
    assert reply.returncode == 0, reply.stderr
    text = _text(tmp_path / "复函.docx")
    assert "关于《关于南部县国土空间总体规划的意见》征求意见的复函" in text.replace("\n", "")
    assert "我委意见为“修改意见”" in text and "建议补充生态保护红线的划定依据" in text
    assert "附件：意见" in text and "县政协城乡建设与环境资源保护委员会" in text


def test_the_panel_offers_the_letter_and_the_reply(app, liaison, host):
    import datetime as dt
    import io

    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.models import Consultation, db
    from oa_liaison_plugin.operations import consultations as ops
    from oa_liaison_plugin.web.users.accounts import create_user
    from test_web_support import PASSWORD, login
    cid = liaison.draft_for_consultation(dict(DRAFT, file=docx(issuer=DRAFT["issuer"])))["consultations"][0]["id"]
    with app.app_context():
        create_user(liaison, username="cj", password=PASSWORD, role="committee", unit=None,
                    committee="城乡建设与环境资源保护委员会")
        create_user(liaison, username="zr", password=PASSWORD, role="unit", unit="南部县自然资源和规划局",
                    committee=None)
        db.session.commit()
    client = app.test_client()
    login(client, "cj")
    assert client.get(f"/consultations/{cid}/reply.docx").status_code == 404   # not answered yet
    with liaison.work(Actor.cli()) as uow:
        ops.answer(uow, db.session.get(Consultation, cid), "同意", dt.datetime(2026, 12, 1), "同意")
    r = client.get(f"/consultations/{cid}/reply.docx")
    assert r.status_code == 200 and "我委意见为“同意”" in "".join(
        p.text for p in python_docx.Document(io.BytesIO(r.data)).paragraphs)
    assert client.get(f"/consultations/{cid}/letter.docx").status_code == 403   # the unit's letter
    client = app.test_client()
    login(client, "zr")
    r = client.get(f"/consultations/{cid}/letter.docx")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert "附件：1.国土空间总体规划（征求意见稿）" in "".join(
        p.text for p in python_docx.Document(io.BytesIO(r.data)).paragraphs)
