"""A plain (non-editable) wheel of the project works on its own: data, templates, CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_carries_data_and_runs_without_the_source_tree(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "w"),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "w").glob("oa_liaison-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("oa_liaison_plugin/data/nanbu.json", "oa_liaison_plugin/data/default_rules.json",
                   "oa_liaison_plugin/documents/templates/reply.docx",
                   "oa_liaison_plugin/migrations/versions/0001_initial_schema.py",
                   "oa_liaison_plugin/web/templates/oa_liaison/base.html",
                   "oa_liaison_plugin/hosts/bpmn/processes/fawen.bpmn"):
        assert needed in names
    assert not any(n.startswith(("tests/", "hooks/", "templates/")) for n in names)
    target = tmp_path / "site"
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("OA_LIAISON_")}
    env.update(PYTHONPATH=str(target), OA_LIAISON_INSTANCE_PATH=str(tmp_path / "inst"))
    code = ("import sys, oa_liaison_plugin; assert oa_liaison_plugin.__file__.startswith(sys.argv[1]), "
            "oa_liaison_plugin.__file__; from oa_liaison_plugin.cli import main; sys.argv = sys.argv[1:]; main()")

    def run(*a):
        return subprocess.run([sys.executable, "-c", code, str(target), *a], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=300)
    p = run("resolve", "南部县发展和改革局", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["committee"] == "城市经济委员会"
    p = run("demo", "--no-serve", "--out", str(tmp_path / "demo"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "demo" / "demo-minutes.docx").stat().st_size > 1000
    assert "demo-admin" in p.stdout  # the panel's demo accounts are printed
