"""A committee is named one way everywhere: 县政协 in a county, 市政协 in a city (meetings.committee_title)."""
from __future__ import annotations

from sqlalchemy import select

from oa_liaison_plugin.models import Committee, db


def test_a_citys_committee_is_named_by_the_one_rule_in_records_and_invitations(lite_app):
    from oa_liaison_plugin.meetings import committee_title
    from oa_liaison_plugin.meetings.people import add_member
    from oa_liaison_plugin.meetings.record import candidates
    from oa_liaison_plugin.table import file as table
    liaison = lite_app.extensions["oa_liaison"]
    data = table.default_table()
    data["jurisdiction"] = {**data["jurisdiction"], "code": "city", "name": "某市", "prefixes": ["某市", "市"]}
    with lite_app.app_context():
        table.load(data)
        liaison.ensure_rules()
        jur = liaison.jurisdiction("city")
        add_member(liaison, jur, {"committee": "教科文卫体委员会", "name": "陈刚", "post": "主任"})
        db.session.commit()
        title = committee_title(jur, "教科文卫体委员会")
        assert title == "市政协教科文卫体委员会"
        com = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id,
                                                        Committee.name == "教科文卫体委员会"))
        assert [p["organisation"] for p in candidates(jur.id, com.id) if p["name"] == "陈刚"] == [title]
    out = liaison.meeting_scheduled({"id": "w-1", "jurisdiction": "city", "unit": "县教育局",
                                     "title": "全县教育工作会议", "held_on": "2017-04-01"})
    assert {i["organisation"] for i in out["invitees"] if i["kind"] == "committee_leader"} == {title}, out
