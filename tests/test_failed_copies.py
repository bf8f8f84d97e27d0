"""The failed deliveries list (pending copies with an error) shows exactly its county's: the copies to its committees
and to its units, found by their recipients (migration 0027's partial indexes), never another county's."""
from __future__ import annotations

import re

from sqlalchemy import insert, select

from oa_liaison_plugin.models import Committee, Copy, Document, Jurisdiction, Unit, db
from oa_liaison_plugin.table import file as table
from oa_liaison_plugin.web.users.accounts import create_user
from test_web_support import session_client

ERROR = "ConnectionError: 收件服务不可用"


def _county(code: str) -> dict:
    jur = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    committees = list(db.session.scalars(select(Committee.id).where(Committee.jurisdiction_id == jur.id)
                                         .order_by(Committee.id)))
    units = list(db.session.scalars(select(Unit.id).where(Unit.jurisdiction_id == jur.id).order_by(Unit.id)))
    return {"id": jur.id, "committees": committees, "units": units}


def _copies(county: dict, tag: str) -> dict[str, int]:
    """A unit's document copied to two committees and a committee's report copied to a unit, in every state a
    copy can be in; the ids by name ("committee failed", "unit failed", …)."""
    by_unit = db.session.scalar(insert(Document).returning(Document.id).values(
        jurisdiction_id=county["id"], host_id=f"{tag}-1", issuer="县教育局", unit_id=county["units"][0],
        title=f"{tag}单位发文", status="routed", meta={}))
    by_committee = db.session.scalar(insert(Document).returning(Document.id).values(
        jurisdiction_id=county["id"], host_id=f"{tag}-2", issuer="教科文卫体委员会", unit_id=None,
        title=f"{tag}委员会发文", status="routed", meta={}))
    states = {"failed": ("pending", ERROR), "pending": ("pending", None), "delivered": ("delivered", None),
              "dead": ("dead", ERROR)}
    ids = {}
    for n, (state, (status, error)) in enumerate(states.items()):
        for who, doc, recipient in (("committee", by_unit, county["committees"][n]),
                                    ("unit", by_committee, county["units"][n + 1])):
            ids[f"{who} {state}"] = db.session.scalar(insert(Copy).returning(Copy.id).values(
                document_id=doc, committee_id=recipient if who == "committee" else None,
                unit_id=recipient if who == "unit" else None, status=status, last_error=error,
                snapshot={}, reasons=[]))
    return ids


def _listed(client, url: str) -> set[int]:
    page = client.get(url)
    assert page.status_code == 200
    return {int(i) for i in re.findall(r'href="/deliveries/(\d+)"', page.get_data(as_text=True))}


def test_the_failed_list_is_the_countys_committee_and_unit_copies_only(app):
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        data = table.default_table()
        data["jurisdiction"] = {**data["jurisdiction"], "code": "other", "name": "另一县"}
        table.load(data)
        here, there = _county(liaison.config["JURISDICTION"]), _county("other")
        mine, theirs = _copies(here, "本县"), _copies(there, "另一县")
        for name, code in (("failed-admin", liaison.config["JURISDICTION"]), ("other-admin", "other")):
            create_user(liaison, username=name, password="a-long-password-1", role="admin", jurisdiction=code)
        db.session.commit()
    admin, other = session_client(app, "failed-admin", None), session_client(app, "other-admin", None)

    assert _listed(admin, "/deliveries?status=failed") == {mine["committee failed"], mine["unit failed"]}
    assert _listed(other, "/deliveries?status=failed") == {theirs["committee failed"], theirs["unit failed"]}
    # with a committee: that committee's failed copy; another county's committee lists nothing
    assert _listed(admin, f"/deliveries?status=failed&committee={here['committees'][0]}") == {mine["committee failed"]}
    assert _listed(admin, f"/deliveries?status=failed&committee={there['committees'][0]}") == set()
    assert _listed(admin, f"/deliveries?status=failed&committee={here['committees'][1]}") == set()
    # the other filters keep their meaning: pending without an error, dead (whatever its last error)
    assert _listed(admin, "/deliveries?status=pending") == {mine["committee pending"], mine["unit pending"]}
    assert _listed(admin, "/deliveries?status=dead") == {mine["committee dead"], mine["unit dead"]}
    assert _listed(admin, "/deliveries") == set(mine.values())
