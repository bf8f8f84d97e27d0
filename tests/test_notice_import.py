"""Importing a counterpart table from a liaison notice: the parser, apply with versions, bad input, the CLI."""
from __future__ import annotations

from importlib import resources

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oa_liaison_plugin.table import notice
from oa_liaison_plugin.table.file import default_table, export

PACKAGED_NOTICE = resources.files("oa_liaison_plugin").joinpath("data/notices/nanbu-2017-1.txt")
NOTICES = Path(__file__).parent / "data" / "notices"
# Expected tables of the notices written for these tests, reviewed item by item against the texts.
EXPECTED = json.loads((NOTICES / "expected.json").read_text("utf-8"))
EXE = shutil.which("oa-liaison") or str(Path(sys.executable).with_name("oa-liaison"))


def run(instance, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OA_LIAISON_")}
    env["OA_LIAISON_INSTANCE_PATH"] = str(instance)
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def _structure(units_by_committee):
    return {c: [(u, subs) for u, subs in units] for c, units in units_by_committee.items()}


def test_nanbu_notice_reproduces_the_shipped_table():
    """Every committee, unit, sub-unit and open group of nanbu.json, from the 2017 notice; the
    table's later renames (2019 机构改革) are the shipped table's former_names."""
    shipped = default_table()
    parsed = notice.parse(PACKAGED_NOTICE.read_text("utf-8"))
    assert parsed["warnings"] == []
    assert parsed["jurisdiction"] == {k: shipped["jurisdiction"][k] for k in ("name", "prefixes", "source")}
    renamed = {f["name"]: u["name"] for u in shipped["units"] for f in u.get("former_names", [])}
    got: dict[str, list] = {}
    for c in parsed["committees"]:
        rows = got.setdefault(c["name"], [])
        for u in c["units"]:
            row = (renamed.get(u["name"], u["name"]), [renamed.get(s, s) for s in u["sub_units"]])
            if row not in rows:  # 县地税局 and 县国税局 merged into 县税务局
                rows.append(row)
    want: dict[str, list] = {c["name"]: [] for c in shipped["committees"]}
    merged = {u["name"] for u in shipped["units"] if len(u.get("committees") or []) > 1}
    for u in shipped["units"]:
        for committee in u.get("committees") or ([u["committee"]] if u.get("committee") else []):
            want[committee].append((u["name"], [s["name"] for s in shipped["units"] if s.get("parent") == u["name"]]))
    assert list(got) == list(want)
    # A unit merged since 2017 (县文旅局 of 县文广体局 + 县旅游局) stands under each predecessor's committee,
    # where the notice listed that predecessor; every other unit in the notice's order.
    assert {c: [r for r in rows if r[0] not in merged] for c, rows in got.items()} == \
        {c: [r for r in rows if r[0] not in merged] for c, rows in want.items()}
    assert {c: {r[0] for r in rows if r[0] in merged} for c, rows in got.items()} == \
        {c: {r[0] for r in rows if r[0] in merged} for c, rows in want.items()}
    assert merged == {"县文旅局"}
    assert [c["section"] for c in parsed["committees"]] == [c["section"] for c in shipped["committees"]]
    table = notice.to_table(parsed, "nanbu")
    assert sorted((p["name"], p["committee"], p["regex"]) for p in table["patterns"]) == \
        sorted((p["name"], p["committee"], p["regex"]) for p in shipped["patterns"])


@pytest.mark.parametrize("name", ["city-xian", "district-yanta", "web-nantong", "clauses-langzhong"])
def test_other_styles(name):
    parsed = notice.public(notice.parse((NOTICES / f"{name}.txt").read_text("utf-8")))
    assert parsed["warnings"] == []
    assert parsed["jurisdiction"] == EXPECTED[name]["jurisdiction"]
    assert [{k: c[k] for k in ("name", "units", "patterns")} for c in parsed["committees"]] == \
        EXPECTED[name]["committees"]


def test_docx_notice(tmp_path):
    import docx
    doc = docx.Document()
    for line in (NOTICES / "docx-shunqing.txt").read_text("utf-8").splitlines():
        doc.add_paragraph(line)
    path = tmp_path / "notice.docx"
    doc.save(path)
    parsed = notice.public(notice.parse(notice.read_notice(path.read_bytes(), path.name)))
    assert parsed["warnings"] == []
    assert [{k: c[k] for k in ("name", "units", "patterns")} for c in parsed["committees"]] == \
        EXPECTED["docx-shunqing"]["committees"]
    assert parsed["jurisdiction"]["prefixes"] == ["南充市顺庆区", "顺庆区", "区"]


def test_web_paste_quirks_are_normalised():
    parsed = notice.parse((NOTICES / "web-nantong.txt").read_text("utf-8"))
    names = [u["name"] for c in parsed["committees"] for u in c["units"]]
    assert "市法制办" in names  # a line break and spaces inside the name
    assert parsed["jurisdiction"]["source"] == "市政办发[2003]206号"
    assert [c["name"] for c in parsed["committees"]][2] == "教育文化委员会"  # （３）full-width digit


def test_imported_jurisdiction_resolves(lite_app):
    parsed = notice.parse((NOTICES / "city-xian.txt").read_text("utf-8"))
    with lite_app.app_context():
        jur = notice.apply(parsed, "xian")
        assert jur.name == "西安市" and jur.prefixes == ["西安市", "市"]
        r = lite_app.extensions["oa_liaison"].resolver("xian")
        cases = {"西安市财政局": ("市财政局", None, "经济委员会"),
                 "财政局": ("市财政局", None, "经济委员会"),
                 "中共西安市委宣传部": ("市委宣传部", None, "学习、文史委员会"),
                 "西安市外事办": ("市外事办", "市政府办公厅", "提案委员会"),
                 "西安市公安局交警支队": ("交警支队", "市公安局", "社会和法制委员会")}
        for name, want in cases.items():
            got = r.resolve(name)
            assert (got.unit, got.parent, got.committee) == want, (name, got)
        assert r.resolve("政协西安市委员会学习文史委员会").committee is None  # a committee, not a unit
        table = export("xian")
        assert "市政协学习、文史委员会" in table["committees"][2]["aliases"]
        assert {p["name"] for p in table["patterns"]} == {"市有关部门", "市政府各工作部门", "各直属机构"}
        # The nanbu table is untouched.
        assert lite_app.extensions["oa_liaison"].resolver("nanbu").resolve("县财政局").committee == "城市经济委员会"


def test_short_city_name_is_an_alias(lite_app):
    parsed = notice.parse((NOTICES / "web-nantong.txt").read_text("utf-8"))
    with lite_app.app_context():
        notice.apply(parsed, "nantong")
        r = lite_app.extensions["oa_liaison"].resolver("nantong")
        assert r.resolve("南通市工商局").unit == "南通工商局"
        assert r.resolve("南通市规划局").unit == "市规划局"
        assert r.resolve("市测绘管理办公室").unit == "市规划局"


def test_the_2017_notice_keeps_the_present_names(app):
    """The shipped notice names 7 units by their pre-2019 names (县安监局 for 县应急管理局): applying it keeps
    each unit's row, full name and aliases, proposes no rename, and later documents still find their unit."""
    parsed = notice.parse(PACKAGED_NOTICE.read_text("utf-8"))
    with app.app_context():
        before = export("nanbu")
        assert notice.diff(before, notice.to_table(parsed, "nanbu", base=before)) == {
            k: [] for k in ("added", "removed", "renamed", "moved", "committees_added", "committees_removed",
                            "patterns_added", "patterns_removed")}
        former = {f["notice"]: f["unit"] for f in notice.former_used(parsed, before)}
        assert former["县安监局"] == "县应急管理局" and former["县卫计局"] == "县卫健局"
        assert former["县国税局"] == former["县地税局"] == "县税务局"
        assert len(set(former.values())) == 7
        report: dict = {}
        notice.apply(parsed, "nanbu", report)
        assert report["renamed"] == [] and report["removed"] == []
        assert export("nanbu")["units"] == before["units"]
        r = app.extensions["oa_liaison"].resolver("nanbu")
        assert r.resolve("南部县卫生健康局").unit == "县卫健局"
        assert r.resolve("国家税务总局南部县税务局").unit == "县税务局"
        assert r.resolve("县安监局").unit == "县应急管理局"
        assert r.resolve("南部县人民政府办公室").unit == "县政府办"


WITHOUT_TOUZI = PACKAGED_NOTICE.read_text("utf-8").replace("、县投促局", "")


def test_rollback_names_its_version_and_does_not_toggle(app):
    """A second rollback goes further back (or refuses), never back to the version the first one undid;
    a named version is restored exactly."""
    from oa_liaison_plugin.table import versions as table_versions
    with app.app_context():
        before = export("nanbu")
        notice.apply(notice.parse(WITHOUT_TOUZI), "nanbu")
        bad = export("nanbu")
        assert "县投促局" not in {u["name"] for u in bad["units"]}
        assert table_versions.rollback("nanbu").table_version == 3
        assert export("nanbu") == before
        with pytest.raises(LookupError, match="没有可回退"):
            table_versions.rollback("nanbu")
        assert export("nanbu") == before
        assert table_versions.rollback("nanbu", to=2).table_version == 4
        assert export("nanbu") == bad
        with pytest.raises(LookupError, match="第 9 版"):
            table_versions.rollback("nanbu", to=9)
        assert [v.version for v in table_versions.versions("nanbu")] == [4, 3, 2, 1]


BAD = {
    "empty": (b"", "文件为空"),
    "blank": ("  \n\n ".encode(), "文件为空"),
    "no list": ("关于做好春节期间值班工作的通知\n各部门：请安排好值班。".encode(), "未找到委员会名单"),
    "binary": (bytes(range(256)) * 8, "不是文本文件"),
    "50 MB": (("县财政局、" * 10).encode() * 1_000_000, "文件过大"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_a_clear_message(case):
    data, message = BAD[case]
    with pytest.raises(notice.NoticeError, match=message):
        notice.parse(notice.read_notice(data, "notice.txt"))


TWO = ("（一）负责与县政协提案委员会对口联系的部门和单位：县审计局、县财政局。\n"
       "（二）负责与县政协城市经济委员会对口联系的部门和单位：县发改局、县财政局。\n")


def test_unit_under_two_committees_names_both_and_blocks_apply(lite_app):
    parsed = notice.parse(TWO)
    [w] = parsed["warnings"]
    assert w["blocking"] and "提案委员会" in w["why"] and "城市经济委员会" in w["why"]
    assert w["where"].startswith("第 2 行")
    with lite_app.app_context():
        with pytest.raises(notice.NoticeError, match="县财政局"):
            notice.apply(parsed, "nanbu")
        from oa_liaison_plugin.models import Jurisdiction, db
        assert db.session.query(Jurisdiction).filter_by(code="nanbu").one().table_version == 1


def test_unparsable_text_is_a_warning_not_dropped():
    text = ("一、提案委员会：县审计局、负责全县审计监督工作并承担县委审计委员会办公室日常工作的审计部门、县财政局（）。\n"
            "二、经济委员会：县发改局。")
    parsed = notice.parse(text)
    assert [u["name"] for u in parsed["committees"][0]["units"]] == ["县审计局", "县财政局"]
    [w] = parsed["warnings"]
    assert "审计部门" in w["text"] and "不像单位名称" in w["why"] and w["where"].startswith("第 1 行")


def test_cli_json_and_apply(tmp_path):
    p = run(tmp_path, "import-notice", str(NOTICES / "district-yanta.txt"), "-j", "yanta", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {"committees", "warnings"} <= set(out) and "applied" not in out
    assert set(out["committees"][0]) >= {"name", "units", "patterns"}
    assert set(out["committees"][0]["units"][0]) >= {"name", "sub_units"}
    p = run(tmp_path, "import-notice", str(NOTICES / "district-yanta.txt"), "-j", "yanta", "--json", "--apply")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["applied"]["version"] == 1
    p = run(tmp_path, "resolve", "-j", "yanta", "西安市雁塔区财政局", "--json")
    assert json.loads(p.stdout)["unit"] == "区财政局"


def test_cli_refuses_bad_input_and_applies_nothing(tmp_path):
    bad = tmp_path / "two.txt"
    bad.write_text(TWO, "utf-8")
    p = run(tmp_path / "i", "import-notice", str(bad), "--json", "--apply")
    assert p.returncode == 2
    out = json.loads(p.stdout)
    assert "未导入" in out["error"] and out["warnings"][0]["blocking"]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    p = run(tmp_path / "i", "import-notice", str(empty), "--apply")
    assert p.returncode == 2 and "文件为空" in p.stderr
    p = run(tmp_path / "i", "table", "export")
    assert json.loads(p.stdout)["units"][0]["name"] == "县人武部"
