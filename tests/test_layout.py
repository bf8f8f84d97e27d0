"""README's layout table matches the tree: every module and package of the product has its row."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "oa_liaison_plugin"
# Folders whose modules are listed one by one in their row (web/ and hosts/ are described by feature).
DETAILED = ("table", "decision", "replies", "meetings", "review", "documents", "http", "operations", "inputs")


def rows() -> dict[str, str]:
    """First column -> the row's text, for each row of README's layout table."""
    text = (ROOT / "README.md").read_text("utf-8")
    table = text[text.index("| `oa_liaison_plugin/` |"):].split("\n\n")[0]
    out = {}
    for line in table.splitlines():
        cells = line.split(" | ")
        if len(cells) >= 2:
            out[cells[0]] = line
    return out


def test_every_module_and_package_has_a_row():
    firsts = " ".join(rows())
    named = set(re.findall(r"`(?:oa_liaison_plugin/)?([\w./]+)`", firsts))
    missing = [p.name for p in sorted(PACKAGE.iterdir())
               if not p.name.startswith(("_", ".")) and p.name not in ("data", "migrations")
               and (p.suffix == ".py" or (p / "__init__.py").exists())
               and (p.name if p.suffix else p.name + "/") not in named
               and not any(n.startswith(p.name + "/") for n in named)]   # hosts/bpmn/
    assert missing == []


def test_the_feature_packages_rows_name_each_of_their_modules():
    table = rows()
    missing = []
    for folder in DETAILED:
        row = next(v for k, v in table.items() if f"`oa_liaison_plugin/{folder}/`" in k)
        missing += [f"{folder}/{m.name}" for m in sorted((PACKAGE / folder).glob("*.py"))
                    if m.name != "__init__.py" and f"`{m.name}`" not in row and f"{folder}/{m.name}" not in row]
    assert missing == []


def test_every_path_the_table_names_exists():
    gone = [p for p in re.findall(r"`(oa_liaison_plugin/[\w./]+)`", "\n".join(rows().values()))
            if not (ROOT / p).exists()]
    assert gone == []
