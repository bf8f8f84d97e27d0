"""The counterpart table as a file: export/load round trip, and bad files rejected whole."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from oa_liaison_plugin.models import Counterpart, Unit, UnitName, db
from oa_liaison_plugin.routing import table as t


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


def test_reload_removes_units_no_longer_named(app):
    with app.app_context():
        data = t.export("nanbu")
        data["units"] = [u for u in data["units"] if u["name"] != "县统计局" and u.get("parent") != "县统计局"]
        t.load(data)
        r = app.extensions["oa_liaison"].resolver().resolve("县统计局")
        assert r.unit is None
