"""The counterpart table as a file: export/load round trip, and bad files rejected whole."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin.models import Counterpart, Unit, UnitName, db
from oa_liaison_plugin.table import file as t


def _counts():
    return (db.session.scalar(select(func.count(Unit.id))), db.session.scalar(select(func.count(UnitName.id))),
            db.session.scalar(select(func.count(Counterpart.id))))


def test_default_table_loaded_on_first_start(app):
    with app.app_context():
        units, names, links = _counts()
        assert units > 180 and links > 100 and names > 100


def test_export_load_round_trip_keeps_ids(app):
    with app.app_context():
        data = t.export("nanbu")
        ids = {u.name: u.id for u in db.session.scalars(select(Unit))}
        t.load(json.loads(json.dumps(data, ensure_ascii=False)))
        assert t.export("nanbu") == data
        assert {u.name: u.id for u in db.session.scalars(select(Unit))} == ids


def _bad(data, mutate):
    bad = copy.deepcopy(data)
    mutate(bad)
    return bad


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d["units"][0].update(name=12), "units[0].name：应为文本"),
    (lambda d: d["units"][0].update(committee="不存在委员会"), "未知委员会“不存在委员会”"),
    (lambda d: d["units"].append(dict(d["units"][0])), "重复"),
    (lambda d: d["units"].append({**d["units"][0], "committee": "学习文史委员会"}), "同时对口两个委员会"),
    (lambda d: d["units"][1].update(aliases=[d["units"][0]["name"]]), "冲突"),
    (lambda d: d["units"].append({"name": "孤儿科", "parent": "无此单位"}), "parent：未知单位“无此单位”"),
    (lambda d: d["units"].append({"name": "无委员会单位"}), "须有 committee"),
    (lambda d: d["patterns"].append({"name": "坏", "regex": "(", "committee": "提案委员会"}), "正则表达式无效"),
    (lambda d: d["units"][0].update(aliases="县府办"), "aliases：应为列表"),
    (lambda d: d["units"][0].update(name="县\x07政府办"), "含控制字符"),
    (lambda d: d.update(format="something"), "format"),
    (lambda d: d["units"][3].update(former_names=[{"name": "旧名", "until": "2019-13-01"}]), "YYYY-MM-DD"),
])
def test_bad_table_rejected_whole(app, mutate, needle):
    with app.app_context():
        good = t.export("nanbu")
        before = (_counts(), t.export("nanbu"))
        with pytest.raises(t.TableError) as err:
            t.load(_bad(good, mutate))
        assert needle in str(err.value)
        assert (_counts(), t.export("nanbu")) == before


def test_problems_are_all_listed_with_where(app):
    with app.app_context():
        data = t.export("nanbu")
        data["units"][2]["committee"] = 5
        data["units"][7]["aliases"] = [None, 3]
        with pytest.raises(t.TableError) as err:
            t.validate(data)
        where = " ".join(err.value.problems)
        assert "units[2]" in where and "units[7].aliases[1]" in where


def test_not_a_mapping(app):
    with pytest.raises(t.TableError, match="应为对象"):
        t.validate([1, 2, 3])


def _renamed(data, old, new, **extra):
    """The table file an admin writes after a reform: the unit's new name, the old one as a former name."""
    for u in data["units"]:
        if u["name"] == old:
            u.update(name=new, former_names=[*u.get("former_names", []), {"name": old, "until": "2019-03-01"}],
                     **extra)
        elif u.get("parent") == old:
            u["parent"] = new
    return data


def test_a_unit_renamed_by_file_keeps_its_row_clerks_and_documents(app, host):
    from oa_liaison_plugin.models import Document
    from oa_liaison_plugin.web.models import User
    from oa_liaison_plugin.web.users.accounts import create_user
    liaison = app.extensions["oa_liaison"]
    with app.app_context():
        create_user(liaison, username="tjj", password="a-long-password-1", role="unit", unit="县统计局")
        db.session.commit()
    host.issue(issuer="南部县统计局", title="关于开展第四次全国经济普查的实施方案", body="普查方案如下。")
    with app.app_context():
        before = db.session.scalar(select(Unit).where(Unit.name == "县统计局"))
        uid = before.id
        sub_ids = {u.name: u.id for u in db.session.scalars(select(Unit).where(Unit.parent_id == uid))}
        report = {}
        t.load(_renamed(t.export("nanbu"), "县统计局", "县统计和调查局", full_name="南部县统计和调查局"), report)
        assert report == {"renamed": [("县统计局", "县统计和调查局")], "removed": []}
        after = db.session.scalar(select(Unit).where(Unit.name == "县统计和调查局"))
        assert after.id == uid and after.full_name == "南部县统计和调查局"
        assert {u.name: u.id for u in db.session.scalars(select(Unit).where(Unit.parent_id == uid))} == sub_ids
        assert db.session.scalar(select(User.unit_id).where(User.username == "tjj")) == uid
        assert db.session.scalar(select(Document.unit_id).where(Document.issuer == "南部县统计局")) == uid
        resolver = liaison.resolver()
        assert resolver.resolve("县统计局").unit == "县统计和调查局"      # the old name still resolves
        assert resolver.resolve("南部县统计和调查局").committee == "城市经济委员会"


def test_a_former_name_that_is_still_a_unit_is_refused_not_taken_for_a_rename(app):
    with app.app_context():
        data = t.export("nanbu")
        ids = {u.name: u.id for u in db.session.scalars(select(Unit))}
        # 县新设局 claims 县统计局 as its former name, yet the file still names 县统计局.
        data["units"].append({"name": "县新设局", "committee": "提案委员会",
                              "former_names": [{"name": "县统计局", "until": "2019-03-01"}]})
        with pytest.raises(t.TableError) as exc:
            t.load(data, {})
        assert "县统计局" in str(exc.value) and "冲突" in str(exc.value)
        assert {u.name: u.id for u in db.session.scalars(select(Unit))} == ids


def test_reload_removes_units_no_longer_named(app):
    with app.app_context():
        data = t.export("nanbu")
        data["units"] = [u for u in data["units"] if u["name"] != "县统计局" and u.get("parent") != "县统计局"]
        t.load(data)
        r = app.extensions["oa_liaison"].resolver().resolve("县统计局")
        assert r.unit is None
