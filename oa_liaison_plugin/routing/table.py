"""The counterpart table as a file: validate, load (all or nothing) and export."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import delete, select

from ..models import Committee, Counterpart, Jurisdiction, Unit, UnitName, UnitPattern, db
from .normalize import name_key, visible
from .rules import PatternError, compile_pattern

FORMAT = "oa-liaison-table"
MAX_NAME = 128
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TableError(ValueError):
    """A table file that cannot be loaded; ``problems`` lists each problem with where it is."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f"（另有 {len(problems) - 20} 处）" if len(problems) > 20 else ""
        super().__init__("对口联系表有误：\n" + "\n".join(f"  - {p}" for p in problems[:20]) + more)


@dataclass
class Table:
    """A validated table, ready to load."""
    jurisdiction: dict
    committees: list[dict]
    units: list[dict]
    patterns: list[dict]
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # canonical key -> (unit, kind)


def canonical(key: str, prefixes: list[str]) -> str:
    """Strip 中共/中国共产党 and the jurisdiction prefix (南部县, 县 …) from a name key."""
    for party in ("中国共产党", "中共"):
        if key.startswith(party) and any(key[len(party):].startswith(p) for p in prefixes):
            key = key[len(party):]
            break
    for p in prefixes:  # longest first (sorted at load)
        if key.startswith(p) and len(key) > len(p):
            return key[len(p):]
    return key


def default_table() -> dict:
    """The shipped 南部县 table (南委办〔2017〕1号 section 四)."""
    return json.loads(resources.files("oa_liaison_plugin").joinpath("data/nanbu.json").read_text("utf-8"))


class _Checker:
    def __init__(self):
        self.problems: list[str] = []

    def text(self, value: Any, where: str, *, required=True, limit=MAX_NAME) -> str | None:
        if value is None or value == "":
            if required:
                self.problems.append(f"{where}：不能为空")
            return None
        if not isinstance(value, str):
            self.problems.append(f"{where}：应为文本，实际为 {type(value).__name__}")
            return None
        if _CONTROL.search(value):
            self.problems.append(f"{where}：含控制字符")
            return None
        if len(value) > limit:
            self.problems.append(f"{where}：过长（{len(value)} 字符，上限 {limit}）")
            return None
        if not visible(value):  # "\u200b" alone is no name anyone could read or type
            self.problems.append(f"{where}：不能为空白（或只有不可见字符）")
            return None
        return value.strip()

    def texts(self, value: Any, where: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"{where}：应为列表，实际为 {type(value).__name__}")
            return []
        return [s for i, v in enumerate(value) if (s := self.text(v, f"{where}[{i}]")) is not None]

    def records(self, data: dict, key: str, *, required: bool = True) -> list[tuple[str, dict]]:
        """The list under ``key`` as (where, mapping) pairs; a missing or empty required list is a problem."""
        value = data.get(key) if data else None
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.problems.append(f"{key}：应为{'非空' if required else ''}列表")
            return []
        return [(f"{key}[{i}]", self.mapping(raw, f"{key}[{i}]")) for i, raw in enumerate(value)]

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.problems.append(f"{where}：应为对象，实际为 {type(value).__name__}")
            return {}
        return value


def validate(data: Any) -> Table:
    """Check a table mapping completely; raise TableError listing every problem."""
    c = _Checker()
    data = c.mapping(data, "表文件")
    if data and data.get("format") != FORMAT:
        c.problems.append(f"format：应为 \"{FORMAT}\"，实际为 {data.get('format')!r}")
    if data and data.get("version") != 1:
        c.problems.append(f"version：不支持的版本 {data.get('version')!r}（支持 1）")
    jur = c.mapping(data.get("jurisdiction"), "jurisdiction") if data else {}
    jurisdiction = {"code": c.text(jur.get("code"), "jurisdiction.code", limit=64),
                    "name": c.text(jur.get("name"), "jurisdiction.name"),
                    "prefixes": sorted(set(c.texts(jur.get("prefixes"), "jurisdiction.prefixes")),
                                       key=len, reverse=True),
                    "source": c.text(jur.get("source"), "jurisdiction.source", required=False, limit=256)}
    prefixes = jurisdiction["prefixes"]

    committees: list[dict] = []
    committee_keys: dict[str, str] = {}
    for where, raw in c.records(data, "committees"):
        name = c.text(raw.get("name"), f"{where}.name")
        aliases = c.texts(raw.get("aliases"), f"{where}.aliases")
        if name is None:
            continue
        for n in [name, *aliases]:
            k = name_key(n)
            if k in committee_keys and committee_keys[k] != name:
                c.problems.append(f"{where}：名称“{n}”与委员会“{committee_keys[k]}”重复")
            elif k in committee_keys and n == name:
                c.problems.append(f"{where}：委员会“{name}”重复出现")
            committee_keys[k] = name
        committees.append({"name": name, "section": c.text(raw.get("section"), f"{where}.section",
                                                           required=False, limit=32), "aliases": aliases})
    committee_names = {x["name"] for x in committees}

    units: list[dict] = []
    seen: dict[str, int] = {}
    for where, raw in c.records(data, "units"):
        name = c.text(raw.get("name"), f"{where}.name")
        committee = c.text(raw.get("committee"), f"{where}.committee", required=False)
        parent = c.text(raw.get("parent"), f"{where}.parent", required=False)
        if name is None:
            continue
        if committee is not None and committee not in committee_names:
            c.problems.append(f"{where}（{name}）.committee：未知委员会“{committee}”")
        if committee is None and parent is None:
            c.problems.append(f"{where}（{name}）：须有 committee（对口委员会）或 parent（所属单位）")
        if name in seen:
            first = units[seen[name]]
            if committee and first.get("committee") and first["committee"] != committee:
                c.problems.append(f"{where}：单位“{name}”同时对口两个委员会："
                                  f"“{first['committee']}”和“{committee}”")
            else:
                c.problems.append(f"{where}：单位“{name}”重复（首次见于 units[{seen[name]}]）")
            continue
        former = []
        raw_former = raw.get("former_names") or []
        if not isinstance(raw_former, list):
            c.problems.append(f"{where}.former_names：应为列表")
            raw_former = []
        for j, f in enumerate(raw_former):
            f = c.mapping(f, f"{where}.former_names[{j}]")
            fname = c.text(f.get("name"), f"{where}.former_names[{j}].name")
            until = f.get("until")
            try:
                until_date = dt.date.fromisoformat(until) if until is not None else None
            except (TypeError, ValueError):
                c.problems.append(f"{where}.former_names[{j}].until：日期应为 YYYY-MM-DD，实际为 {until!r}")
                until_date = None
            if fname:
                former.append({"name": fname, "until": until_date})
        seen[name] = len(units)
        units.append({"name": name, "committee": committee, "parent": parent,
                      "full_name": c.text(raw.get("full_name"), f"{where}.full_name", required=False,
                                          limit=256),
                      "aliases": c.texts(raw.get("aliases"), f"{where}.aliases"), "former_names": former,
                      "where": where})

    for u in units:
        if u["parent"] is not None and u["parent"] not in seen:
            c.problems.append(f"{u['where']}（{u['name']}）.parent：未知单位“{u['parent']}”")
    for u in units:  # parent chains must end at a unit with a committee, without cycles
        chain, cur = [], u
        while cur is not None and cur["committee"] is None and cur["parent"] in seen:
            if cur["name"] in chain:
                c.problems.append(f"{u['where']}（{u['name']}）：所属关系成环：{' → '.join(chain)}")
                break
            chain.append(cur["name"])
            cur = units[seen[cur["parent"]]]

    keys: dict[str, tuple[str, str]] = {}
    for u in units:
        names = [(u["name"], "name"), *[(a, "alias") for a in u["aliases"]],
                 *[(f["name"], "former") for f in u["former_names"]]]
        if u["full_name"]:
            names.insert(1, (u["full_name"], "full_name"))
        for n, kind in names:
            k = canonical(name_key(n), prefixes)
            if k in keys and keys[k][0] != u["name"]:
                c.problems.append(f"{u['where']}：名称“{n}”与单位“{keys[k][0]}”的名称冲突")
            keys.setdefault(k, (u["name"], kind))

    patterns: list[dict] = []
    for where, raw in c.records(data, "patterns", required=False):
        name = c.text(raw.get("name"), f"{where}.name")
        regex = c.text(raw.get("regex"), f"{where}.regex", limit=300)
        committee = c.text(raw.get("committee"), f"{where}.committee")
        if committee is not None and committee not in committee_names:
            c.problems.append(f"{where}.committee：未知委员会“{committee}”")
        if regex is not None:
            try:
                compile_pattern(regex)
            except PatternError as e:
                c.problems.append(f"{where}.regex：{e}")
        patterns.append({"name": name, "regex": regex, "committee": committee,
                         "note": c.text(raw.get("note"), f"{where}.note", required=False, limit=1000)})

    if c.problems:
        raise TableError(c.problems)
    return Table(jurisdiction, committees, units, patterns, keys)


def load(data: Any, report: dict | None = None) -> Jurisdiction:
    """Validate ``data`` and make it the jurisdiction's table in one transaction (all or nothing).

    Units and committees are matched by name so their ids (and the history that refers to
    them) survive a reload; what the file no longer names is removed. A unit the file names anew
    with, among its former names, a unit the file no longer names is that unit renamed: same row.
    ``report`` (optional) receives ``renamed`` [(old, new)] and ``removed`` [names].
    """
    table = validate(data)
    try:
        # Objects a caller still holds (e.g. from export()) must not shadow the rows replaced below;
        # the caller's own pending changes (a rename in the panel) are kept by flushing them first.
        db.session.flush()
        db.session.expire_all()
        jur = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == table.jurisdiction["code"]))
        if jur is None:
            jur = Jurisdiction(code=table.jurisdiction["code"], table_version=0, rules_version=1)
            db.session.add(jur)
        jur.name = table.jurisdiction["name"]
        jur.prefixes = table.jurisdiction["prefixes"]
        jur.source = table.jurisdiction["source"]
        jur.table_version = (jur.table_version or 0) + 1
        db.session.flush()

        committees = {x.name: x for x in db.session.scalars(
            select(Committee).where(Committee.jurisdiction_id == jur.id))}
        for pos, spec in enumerate(table.committees):
            com = committees.get(spec["name"]) or Committee(jurisdiction_id=jur.id, name=spec["name"])
            com.section, com.aliases, com.position = spec["section"], spec["aliases"], pos
            db.session.add(com)
            committees[spec["name"]] = com
        for name, com in list(committees.items()):
            if name not in {x["name"] for x in table.committees}:
                db.session.delete(com)
                del committees[name]

        units = {x.name: x for x in db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jur.id))}
        db.session.execute(delete(UnitName).where(UnitName.jurisdiction_id == jur.id))
        db.session.execute(delete(UnitPattern).where(UnitPattern.jurisdiction_id == jur.id))
        wanted = {u["name"] for u in table.units}
        renamed = []
        for spec in table.units:   # 机构改革 by file: 县卫计局 → 县卫健局 keeps its id, clerks and documents
            old = next((f["name"] for f in spec["former_names"]
                        if spec["name"] not in units and f["name"] in units and f["name"] not in wanted), None)
            if old is not None:
                unit = units.pop(old)
                units[spec["name"]] = unit
                unit.name = spec["name"]
                renamed.append((old, spec["name"]))
        db.session.flush()
        gone = [unit.id for name, unit in units.items() if name not in wanted]
        if report is not None:
            report.update(renamed=renamed, removed=sorted(name for name in units if name not in wanted))
        if gone:  # one statement: the database cascades to sub-units, names and links
            db.session.execute(delete(Unit).where(Unit.id.in_(gone)), execution_options={"synchronize_session": False})
            db.session.expire_all()
            units = {x.name: x for x in db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jur.id))}
        db.session.flush()
        for pos, spec in enumerate(table.units):
            unit = units.get(spec["name"]) or Unit(jurisdiction_id=jur.id, name=spec["name"])
            unit.full_name, unit.position = spec["full_name"], pos
            db.session.add(unit)
            units[spec["name"]] = unit
        db.session.flush()
        links = {x.unit_id: x for x in db.session.scalars(
            select(Counterpart).join(Unit).where(Unit.jurisdiction_id == jur.id))}
        for spec in table.units:
            unit = units[spec["name"]]
            unit.parent_id = units[spec["parent"]].id if spec["parent"] else None
            link = links.pop(unit.id, None)
            if spec["committee"]:
                link = link or Counterpart(unit_id=unit.id)
                link.committee_id = committees[spec["committee"]].id
                db.session.add(link)
            elif link is not None:
                db.session.delete(link)
            for n, kind, until in [*[(a, "alias", None) for a in spec["aliases"]],
                                   *[(f["name"], "former", f["until"]) for f in spec["former_names"]]]:
                db.session.add(UnitName(jurisdiction_id=jur.id, unit_id=unit.id, name=n, kind=kind,
                                        key=canonical(name_key(n), jur.prefixes), valid_until=until))
        for link in links.values():
            db.session.delete(link)
        for pos, spec in enumerate(table.patterns):
            db.session.add(UnitPattern(jurisdiction_id=jur.id, name=spec["name"], regex=spec["regex"],
                                       committee_id=committees[spec["committee"]].id, note=spec["note"],
                                       position=pos))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return jur


def export(jurisdiction_code: str) -> dict:
    """The jurisdiction's table as a file mapping (the format :func:`load` reads)."""
    jur = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
    if jur is None:
        raise LookupError(f"未知行政区：{jurisdiction_code}")
    committees = db.session.scalars(select(Committee).where(Committee.jurisdiction_id == jur.id)
                                    .order_by(Committee.position)).all()
    by_id = {c.id: c.name for c in committees}
    links = {x.unit_id: by_id[x.committee_id] for x in db.session.scalars(
        select(Counterpart).join(Unit).where(Unit.jurisdiction_id == jur.id))}
    units = db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jur.id).order_by(Unit.position)).all()
    unit_names = {u.id: u.name for u in units}
    out_units = []
    for u in units:
        item: dict[str, Any] = {"name": u.name}
        if u.id in links:
            item["committee"] = links[u.id]
        if u.parent_id:
            item["parent"] = unit_names[u.parent_id]
        if u.full_name:
            item["full_name"] = u.full_name
        item["aliases"] = [n.name for n in u.names if n.kind == "alias"]
        former = [{"name": n.name, "until": n.valid_until.isoformat() if n.valid_until else None}
                  for n in u.names if n.kind == "former"]
        if former:
            item["former_names"] = former
        out_units.append(item)
    patterns = db.session.scalars(select(UnitPattern).where(UnitPattern.jurisdiction_id == jur.id)
                                  .order_by(UnitPattern.position)).all()
    return {
        "format": FORMAT, "version": 1,
        "jurisdiction": {"code": jur.code, "name": jur.name, "prefixes": jur.prefixes, "source": jur.source},
        "committees": [{"name": c.name, "section": c.section, "aliases": c.aliases} for c in committees],
        "units": out_units,
        "patterns": [{"name": p.name, "committee": p.committee.name, "regex": p.regex, "note": p.note}
                     for p in patterns],
    }
