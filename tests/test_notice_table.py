"""The shipped 南部县 table agrees with section 四 of the notice, item by item."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from notice_table import parse_section_four

COMMITTEES = ["提案委员会", "城市经济委员会", "农村经济委员会", "城乡建设与环境资源保护委员会",
              "教科文卫体委员会", "学习文史委员会", "社会法制联谊委员会"]


@pytest.fixture
def resolver(lite_app):
    with lite_app.app_context():
        yield lite_app.extensions["oa_liaison"].resolver()


def test_parser_sees_the_whole_section(notice_text):
    units, groups = parse_section_four(notice_text)
    assert [c for c in COMMITTEES] == list(dict.fromkeys(c for c, _, _ in units))
    assert ("城乡建设与环境资源保护委员会", "中行南部支行", None) in units
    assert ("提案委员会", "人防办", "县政府办") in units
    assert {g for _, g in groups} == {"建设系统有关企业", "各中小学校"}
    assert len(units) > 180


def test_every_unit_and_sub_unit_resolves_to_its_committee(notice_text, resolver):
    units, _ = parse_section_four(notice_text)
    wrong = []
    for committee, name, parent in units:
        r = resolver.resolve(name)
        if committee not in r.committees:   # a unit merged since 2017 keeps its predecessors' committees
            wrong.append(f"{name}: {r.committee} != {committee} ({r.matched_by}, {r.suggestions})")
            continue
        if parent is not None:
            expected_parent = resolver.resolve(parent).unit
            if r.parent != expected_parent:
                wrong.append(f"{name}: parent {r.parent} != {expected_parent}")
    assert not wrong, "\n".join(wrong)


def test_open_groups_are_patterns_not_units(notice_text, resolver, lite_app):
    _, groups = parse_section_four(notice_text)
    from oa_liaison_plugin.table.file import export
    with lite_app.app_context():
        table = export("nanbu")
    patterns = {p["name"]: p["committee"] for p in table["patterns"]}
    unit_names = {u["name"] for u in table["units"]}
    for committee, group in groups:
        assert patterns.get(group) == committee
        assert group not in unit_names
    school = resolver.resolve("南部县建兴镇中心小学")
    assert (school.committee, school.matched_by, school.pattern) == ("教科文卫体委员会", "pattern", "各中小学校")
    assert resolver.resolve("县委党校").matched_by != "pattern"
    bank = resolver.resolve("中国建设银行股份有限公司南部支行")
    assert bank.matched_by != "pattern"


def test_sub_unit_chain_reaches_committee(resolver):
    r = resolver.resolve("人防办")
    assert (r.unit, r.parent, r.committee) == ("人防办", "县政府办", "提案委员会")


def test_items_joined_by_ji_are_both_present(resolver):
    assert resolver.resolve("中行南部支行").committee == "城乡建设与环境资源保护委员会"
    builder = resolver.resolve("南部县城市建设投资有限公司")
    assert (builder.committee, builder.pattern) == ("城乡建设与环境资源保护委员会", "建设系统有关企业")


OFFICIAL = json.loads((Path(__file__).parent / "data" / "official_names.json").read_text("utf-8"))


@pytest.mark.parametrize("case", OFFICIAL, ids=[c["input"] for c in OFFICIAL])
def test_official_names_as_oa_systems_send_them(case, resolver):
    r = resolver.resolve(case["input"])
    assert r.committee == case["committee"], r
    if case.get("pattern"):
        assert r.pattern == case["pattern"]
    else:
        assert r.unit == case["unit"]
        assert r.parent == case.get("parent")


def test_a_unit_merged_in_2019_routes_to_the_committees_of_all_its_predecessors(resolver):
    """县文广体局 (教科文卫体) and 县旅游局 (学习文史) became 南部县文化广播电视和旅游局."""
    for name in ("南部县文化广播电视和旅游局", "县文旅局", "县旅游局", "南部县文化广播电视和体育局"):
        r = resolver.resolve(name)
        assert (r.unit, r.committees) == ("县文旅局", ["教科文卫体委员会", "学习文史委员会"]), (name, r)
    assert resolver.resolve("县旅游局").matched_by == "former_name"
