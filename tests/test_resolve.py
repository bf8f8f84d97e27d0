"""Issuer-name resolution: official names, punctuation, renames, and unknown or bad input."""
from __future__ import annotations

import pytest


@pytest.fixture
def resolver(lite_app):
    with lite_app.app_context():
        yield lite_app.extensions["oa_liaison"].resolver()


@pytest.mark.parametrize("name,unit,committee", [
    ("中共南部县委办公室", "县委办", "城市经济委员会"),
    ("南部县人民政府办公室", "县政府办", "提案委员会"),
    ("南部县发展和改革局", "县发改局", "城市经济委员会"),
    ("共青团南部县委员会", "团县委", "学习文史委员会"),
    ("县发改局", "县发改局", "城市经济委员会"),
    ("发改局", "县发改局", "城市经济委员会"),
])
def test_full_and_short_names(resolver, name, unit, committee):
    r = resolver.resolve(name)
    assert (r.unit, r.committee) == (unit, committee)
    assert r.suggestions == []


@pytest.mark.parametrize("name", ["南部县 发展和改革局", "　南部县发展和改革局　", "南部县发展和改革局\t",
                                  "南部县发展\u200b和改革局"])
def test_spaces_and_invisible_characters(resolver, name):
    assert resolver.resolve(name).unit == "县发改局"


def test_sub_unit_by_full_name(resolver):
    r = resolver.resolve("南部县公安局交通警察大队")
    assert (r.unit, r.parent, r.committee) == ("交警大队", "县公安局", "社会法制联谊委员会")
    assert r.matched_by in ("full_name", "sub_unit", "alias")


def test_sub_unit_written_with_half_width_brackets(resolver):
    # 县公安局(交警大队) as some OA systems write the bracket form
    r = resolver.resolve("县公安局交警大队")
    assert (r.unit, r.parent) == ("交警大队", "县公安局")


def test_reform_renames_resolve_as_former_names(resolver):
    new = resolver.resolve("南部县卫生健康局")
    old = resolver.resolve("县卫计局")
    old_full = resolver.resolve("南部县卫生和计划生育局")
    assert new.unit == old.unit == old_full.unit
    assert new.committee == "教科文卫体委员会"
    assert old.matched_by == "former_name"
    taxes = {resolver.resolve(n).unit for n in ("县国税局", "县地税局", "国家税务总局南部县税务局")}
    assert len(taxes) == 1


def test_unknown_name_gets_suggestions_not_a_guess(resolver):
    r = resolver.resolve("南部县发展改革委员会")
    assert r.unit is None and r.committee is None and r.matched_by is None
    assert "县发改局" in r.suggestions


@pytest.mark.parametrize("bad,error", [("", "名称为空"), ("   ", "名称为空"), ("\x00\x01", "名称为空")])
def test_empty_names(resolver, bad, error):
    r = resolver.resolve(bad)
    assert r.unit is None and r.error == error


def test_huge_and_garbage_names(resolver):
    huge = resolver.resolve("局" * 100_000)
    assert huge.unit is None and "过长" in huge.error
    garbage = resolver.resolve("%%%@@@###")
    assert garbage.unit is None and garbage.error is None and garbage.suggestions == []
    assert resolver.resolve(None).error.startswith("名称应为文本")


def test_committee_names_and_aliases(resolver):
    assert resolver.committee("县政协教科文卫体委员会") == "教科文卫体委员会"
    assert resolver.committee("教科文卫体委员会") == "教科文卫体委员会"
    assert resolver.committee("县教育局") is None
