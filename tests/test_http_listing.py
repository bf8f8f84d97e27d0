"""GET /api/v1/committees and /api/v1/units: what an event may name, under ids that survive a table reload."""
from __future__ import annotations

from http_host import add_host, request, signed
from oa_liaison_plugin.models import db
from oa_liaison_plugin.table import file as table


def _get(served, secret, path, msg="list"):
    return request(served.port, path, b"", signed(secret, f"{msg}-{path}", b""), method="GET")


def _listed(served, secret, msg="list"):
    code, com = _get(served, secret, "/api/v1/committees", msg)
    assert code == 200, com
    code, units = _get(served, secret, "/api/v1/units", msg)
    assert code == 200, units
    return com["committees"], units["units"]


def test_committees_and_units_are_listed_with_their_ids_and_links(app, served):
    secret = add_host(app)
    committees, units = _listed(served, secret)
    assert [set(c) for c in committees[:1]] == [{"id", "name", "full_name", "aliases", "units"}]
    assert [set(u) for u in units[:1]] == [{"id", "name", "full_name", "aliases", "parent_id", "committee_ids"}]
    edu = next(u for u in units if u["name"] == "县教育局")
    jkw = next(c for c in committees if c["name"] == "教科文卫体委员会")
    assert jkw["full_name"] == "南部县政协教科文卫体委员会" and "教科文卫体委" in jkw["aliases"]
    assert edu["committee_ids"] == [jkw["id"]] and edu["id"] in jkw["units"] and edu["parent_id"] is None
    # the two directions agree, sub-units included (they liaise through their parent's committee)
    for u in units:
        for cid in u["committee_ids"]:
            assert u["id"] in next(c for c in committees if c["id"] == cid)["units"]
    subs = [u for u in units if u["parent_id"] is not None]
    assert subs and all(u["committee_ids"] for u in subs)
    # lists are [], never null
    for row in committees + units:
        assert all(row[k] is not None for k in ("aliases",) + (("units",) if "units" in row else ("committee_ids",)))
    with app.app_context():
        from sqlalchemy import select

        from oa_liaison_plugin.models import Unit
        assert edu["id"] == db.session.scalar(select(Unit.id).where(Unit.name == "县教育局"))


def test_ids_survive_a_reload_and_a_rename(app, served):
    secret = add_host(app)
    committees, units = _listed(served, secret, "before")
    with app.app_context():
        data = table.export("nanbu")
        table.load(data)   # the same table again
        db.session.commit()
    assert _listed(served, secret, "same") == (committees, units)
    with app.app_context():
        data = table.export("nanbu")
        spec = next(u for u in data["units"] if u["name"] == "县教育局")
        spec["former_names"] = [*spec.get("former_names", []), {"name": "县教育局", "until": "2026-12-01"}]
        spec["name"] = "县教育和体育局"
        for u in data["units"]:
            if u.get("parent") == "县教育局":
                u["parent"] = "县教育和体育局"
        table.load(data)   # 机构改革 by file: renamed, same row
        db.session.commit()
    _, renamed = _listed(served, secret, "renamed")
    old = next(u for u in units if u["name"] == "县教育局")
    new = next(u for u in renamed if u["name"] == "县教育和体育局")
    assert new["id"] == old["id"] and new["committee_ids"] == old["committee_ids"]
    assert not any(u["name"] == "县教育局" for u in renamed)


def test_listing_is_signed_and_scoped_to_the_host_s_jurisdiction(app, served):
    secret = add_host(app)
    with app.app_context():
        data = table.default_table()
        data["jurisdiction"] = {**data["jurisdiction"], "code": "other", "name": "另一县"}
        table.load(data)
        db.session.commit()
    other = add_host(app, "oa-other", "other")
    mine, other_listed = _listed(served, secret)[0], _listed(served, other, "other")[0]
    assert [c["name"] for c in mine] == [c["name"] for c in other_listed]
    assert not {c["id"] for c in mine} & {c["id"] for c in other_listed}
    assert request(served.port, "/api/v1/units", method="GET")[0] == 401
    code, answer = request(served.port, "/api/v1/committees", b"", signed("whsec_" + "MDEyMzQ1Njc4OWFiY2RlZg==",
                                                                          "bad", b""), method="GET")
    assert (code, answer["error"]) == (401, "bad_signature")
