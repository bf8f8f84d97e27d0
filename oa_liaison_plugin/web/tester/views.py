"""The rule tester: the decision a document would get now, with every reason; nothing is stored."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ...errors import InputError
from ...decision.route import preview
from ..access import allow, jurisdiction
from ..forms import input_error, status
from .forms import TesterForm

bp = Blueprint("tester", __name__, url_prefix="/tester")
VERDICT = {"routed": "会抄送", "not_qualified": "不抄送", "held": "暂存，等待人工决定",
           "unmatched": "暂存：发文单位不在对口联系表中"}


def _document(form: TesterForm) -> dict:
    doc = {"id": "panel-dry-run", "jurisdiction": jurisdiction().code,
           "flags": {k: True for k in ("major", "important", "npc") if form[k].data}}
    for name in ("issuer", "title", "doc_type", "main_recipients", "cc", "secrecy", "body"):
        if form[name].data:
            doc[name] = form[name].data
    upload = form.file.data
    if upload and upload.filename:
        doc["file"] = upload.read()
        doc["file_name"] = upload.filename[:256]
    elif not form.body.data:
        doc["body"] = " "  # a body given: the host is not asked to fetch a file for this made-up id
    return doc


@bp.route("", methods=["GET", "POST"])
@allow("admin", "unit", "auditor")
def index():
    """Try a document against the current table and rules."""
    form = TesterForm()
    result, file_name = None, None
    if form.validate_on_submit():
        try:
            document = _document(form)
            file_name = document.get("file_name")
            result = preview(current_app.extensions["oa_liaison"], document)
        except InputError as exc:
            input_error(form, exc)
    return render_template("oa_liaison/tester/index.html", form=form, result=result, verdict=VERDICT,
                           file_name=file_name), status(form)
