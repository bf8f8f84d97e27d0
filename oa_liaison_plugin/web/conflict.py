"""The conflict page: a form saved over someone else's newer save shows theirs beside yours; nothing is saved."""
from __future__ import annotations

import contextlib
import json

from flask import abort, make_response, render_template

from ..models import db
from ..versions import Stale

LABELS = {"name": "名称", "full_name": "全称", "committee": "对口委员会", "committees": "对口委员会（合并单位）",
          "parent": "所属单位", "aliases": "别名", "former_names": "曾用名", "regex": "正则表达式", "note": "说明",
          "id": "编号", "action": "命中后", "match": "匹配方式", "fields": "在哪里查找", "terms": "词语",
          "pattern": "正则表达式", "negate": "反向", "enabled": "启用", "order": "顺序",
          "role": "角色", "scope": "所属单位或委员会", "active": "启用"}


def _text(value) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        if set(value) <= {"name", "until"}:   # a former name
            return f"{value.get('name')} {value.get('until') or ''}".strip()
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def conflict_page(what: str, theirs: dict, yours: dict, back: str, form=None):
    """409 with every field: the value saved meanwhile (theirs) and the one just submitted (yours); fields
    LABELS does not name are labelled, and ordered, as ``form`` shows them."""
    labels = {**({name: field.label.text for name, field in form._fields.items()} if form else {}), **LABELS}
    known = [k for k in dict.fromkeys([*LABELS, *labels]) if k in theirs or k in yours]
    keys = known + sorted((set(theirs) | set(yours)) - set(known))
    rows = [{"label": labels.get(k, k), "theirs": _text(theirs.get(k)), "yours": _text(yours.get(k))} for k in keys]
    for r in rows:
        r["differs"] = r["theirs"] != r["yours"]
    return render_template("oa_liaison/conflict.html", what=what, rows=rows, back=back), 409


@contextlib.contextmanager
def conflict_on_stale(what: str, theirs, yours: dict, back: str, form=None):
    """Run a save; if it raises versions.Stale, roll back and answer with the conflict page instead.

    ``theirs`` is called after the rollback, so it reads what the other save left.
    """
    try:
        yield
    except Stale:
        db.session.rollback()
        abort(make_response(*conflict_page(what, theirs(), yours, back, form)))
