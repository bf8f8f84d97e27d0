"""The oa-liaison command as a user runs it (a real subprocess, a real instance folder)."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


from helpers import EXE, cli


def run(instance, *args, stdin=None, env=None):
    return cli(instance, *args, input_=stdin, **(env or {}))


def test_resolve_one_name_json(tmp_path):
    p = run(tmp_path, "resolve", "南部县发展和改革局", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {"input", "unit", "parent", "committee", "matched_by", "suggestions"} <= set(out)
    assert (out["unit"], out["committee"], out["parent"]) == ("县发改局", "城市经济委员会", None)


def test_resolve_several_names_in_order_and_exit_3_on_unknown(tmp_path):
    p = run(tmp_path, "resolve", "人防办", "南部县火星局", "共青团南部县委员会", "--json")
    assert p.returncode == 3
    out = json.loads(p.stdout)
    assert [o["input"] for o in out] == ["人防办", "南部县火星局", "共青团南部县委员会"]
    assert out[0]["parent"] == "县政府办" and out[0]["committee"] == "提案委员会"
    assert out[1]["unit"] is None and out[1]["committee"] is None
    assert out[2]["unit"] == "团县委"


def test_resolve_plain_text(tmp_path):
    p = run(tmp_path, "resolve", "县公安局交警大队")
    assert p.returncode == 0 and "社会法制联谊委员会" in p.stdout


def test_table_export_load_round_trip_and_bad_file(tmp_path):
    out = tmp_path / "table.json"
    assert run(tmp_path / "i", "table", "export", "--out", str(out)).returncode == 0
    data = json.loads(out.read_text("utf-8"))
    data["units"].append({"name": "县新设局", "committee": "提案委员会", "full_name": "南部县新设局"})
    out.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    p = run(tmp_path / "i", "table", "load", str(out))
    assert p.returncode == 0, p.stderr
    assert json.loads(run(tmp_path / "i", "resolve", "南部县新设局", "--json").stdout)["committee"] == "提案委员会"

    data["units"].append({"name": "县新设局", "committee": "学习文史委员会"})
    out.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    p = run(tmp_path / "i", "table", "load", str(out))
    assert p.returncode == 2 and "同时对口两个委员会" in p.stderr and "Traceback" not in p.stderr
    for u in data["units"]:   # a reform renames the unit: the file lists the old name as a former one
        if u["name"] == "县新设局" and u["committee"] == "提案委员会":
            u.update(name="县新设服务局", former_names=[{"name": "县新设局", "until": "2019-03-01"}])
    data["units"] = [u for u in data["units"] if u["name"] != "县新设局"]
    out.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    p = run(tmp_path / "i", "table", "load", str(out))
    assert p.returncode == 0 and "改名：县新设局 → 县新设服务局" in p.stdout, p.stderr
    out.write_text("{not json", "utf-8")
    p = run(tmp_path / "i", "table", "load", str(out))
    assert p.returncode != 0 and "JSON" in p.stderr and "Traceback" not in p.stderr


def test_database_url_and_instance_from_environment(tmp_path):
    db = tmp_path / "elsewhere.sqlite3"
    p = run(tmp_path / "inst", "resolve", "县教育局", env={"OA_LIAISON_DATABASE_URL": f"sqlite:///{db}"})
    assert p.returncode == 0, p.stderr
    assert db.exists() and not (tmp_path / "inst" / "oa-liaison.sqlite3").exists()
    assert (tmp_path / "inst").is_dir()


def test_default_instance_is_per_user_not_the_package(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OA_LIAISON_")}
    env["HOME"] = str(tmp_path)
    env.pop("XDG_DATA_HOME", None)
    p = subprocess.run([EXE, "resolve", "县教育局"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / ".local" / "share" / "oa-liaison" / "oa-liaison.sqlite3").exists()
    import oa_liaison_plugin
    assert not list(Path(oa_liaison_plugin.__file__).parent.glob("*.sqlite3"))
