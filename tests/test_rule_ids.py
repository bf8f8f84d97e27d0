"""A new rule's id is made by the program (rule-<next number> of its jurisdiction), never asked of a person and
never shown on a page; the ids of existing rules keep working (edit, enable, move, the command line's JSON)."""
from __future__ import annotations

import re

from sqlalchemy import select

from test_web_decisions import body, lite_world  # noqa: F401  (lite_world: the fixture)
from test_web_support import session_client

FORM = {"name": "校园安全", "action": "important", "committee": "", "match": "any", "fields_": ["title"],
        "terms": "校园安全\n学校安全", "pattern": "", "order": "185", "enabled": "y", "note": ""}


def _visible(html: str) -> str:
    """The page's text as a person reads it (tags and their attributes, such as links' addresses, left out)."""
    return re.sub(r"<[^>]*>", " ", html)


def _ids(app) -> list[str]:
    from oa_liaison_plugin.models import Rule, db
    with app.app_context():
        ids = db.session.scalars(select(Rule.rule_id).order_by(Rule.id)).all()
        db.session.remove()
        return ids


def test_the_new_rule_form_asks_no_id_and_the_program_numbers_rules(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    form = body(admin.get("/rules/new"))
    assert 'name="rule_id"' not in form and "编号" not in _visible(form)
    before = _ids(lite_app)
    assert admin.post("/rules/new", data=FORM).status_code == 302
    assert admin.post("/rules/new", data={**FORM, "name": "校园安全（二）"}).status_code == 302
    made = [i for i in _ids(lite_app) if i not in before]
    assert made == ["rule-1", "rule-2"]
    # an id the command line or a JSON file gave already is skipped: unique in the jurisdiction
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.operations import rules as ops
    liaison = lite_app.extensions["oa_liaison"]
    with liaison.work(Actor("cli:test")) as uow:
        ops.save(uow, liaison.jurisdiction(), {"id": "rule-7", "name": "外来", "action": "important",
                                               "match": "any", "terms": ["外来"], "fields": ["title"]})
    assert admin.post("/rules/new", data={**FORM, "name": "校园安全（三）"}).status_code == 302
    assert _ids(lite_app)[-1] == "rule-8"
    # a posted id is ignored: a person cannot choose (or overwrite) one
    assert admin.post("/rules/new", data={**FORM, "name": "冒名", "rule_id": "imp-plan-scheme"}).status_code == 302
    assert _ids(lite_app)[-1] == "rule-9"
    from oa_liaison_plugin.decision import ruleset
    with lite_app.app_context():
        scheme = next(r for r in ruleset.rules_of(liaison.jurisdiction()) if r["id"] == "imp-plan-scheme")
        assert scheme["name"] != "冒名"


def test_existing_ids_keep_working_and_no_page_shows_one(lite_world, lite_app):
    admin = session_client(lite_app, "admin1", lite_world)
    resp = admin.get("/rules/imp-plan-scheme/edit")
    page = body(resp)
    assert resp.status_code == 200 and 'name="rule_id"' not in page and "imp-plan-scheme" not in _visible(page)
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', page)
    changed = {**FORM, "name": "印发方案", "terms": "实施方案\n工作方案", "action": "important",
               "version": next(g for g in version.groups() if g)}
    assert admin.post("/rules/imp-plan-scheme/edit", data=changed).status_code == 302
    from oa_liaison_plugin.decision import ruleset
    liaison = lite_app.extensions["oa_liaison"]
    with lite_app.app_context():
        scheme = next(r for r in ruleset.rules_of(liaison.jurisdiction()) if r["id"] == "imp-plan-scheme")
        assert scheme["terms"] == ["实施方案", "工作方案"]     # the same rule, its id kept
    assert "imp-plan-scheme" not in _visible(body(admin.get("/rules")))
    tried = body(admin.post("/tester", data={"title": "关于印发《南部县基层医疗卫生服务能力提升工作方案》的通知",
                                             "issuer": "南部县卫生健康局", "body": "现将工作方案印发给你们。"}))
    assert "会抄送" in tried or "不抄送" in tried
    assert not re.search(r"(?:imp|npc|maj|exc|hold|com|rule)-[a-z0-9-]+", _visible(tried)), _visible(tried)
