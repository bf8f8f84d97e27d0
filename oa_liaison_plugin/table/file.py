"""The counterpart table as a file: validate, load (all or nothing) and export."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import delete, select

from ..models import Committee, Counterpart, Jurisdiction, Unit, UnitName, UnitPattern, db, max_length
from ..versions import bump
from ..decision.normalize import name_key, visible
from ..decision.rules import PatternError, compile_pattern

FORMAT = "oa-liaison-table"
# Accepted lengths are the columns' (names, aliases and former names of a unit as wide as its name).
MAX_NAME = max_length(Unit.name)
REGEX_MAX = 300     # narrower than its column: a longer pattern is hard to review
NOTE_MAX = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELD_OF_KIND = {"name": "name", "full_name": "full_name", "alias": "aliases", "former": "former_names"}


@dataclass(frozen=True)
class Problem:
    """One problem with the table: a stable ``code``, the ``field`` it concerns (a form field's name such as
    "name", "aliases", "parent", "regex"; None for the whole), the Chinese ``message``, and ``where`` in a
    table file (e.g. "units[3]（县教育局）.committee"; empty for a single unit or pattern being edited)."""
    code: str
    field: str | None
    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message

    def as_json(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message, "where": self.where}


class TableError(ValueError):
    """A table (or a change to it) that cannot be saved; ``errors`` the Problems, ``problems`` them as lines."""

    def __init__(self, problems: list[Problem]):
        self.errors = problems
        self.problems = problems = [str(p) for p in problems]
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
        self.problems: list[Problem] = []

    def add(self, code: str, where: str, field: str | None, message: str) -> None:
        self.problems.append(Problem(code, field, message, where))

    def text(self, value: Any, where: str, *, required=True, limit=MAX_NAME, field: str | None = None) -> str | None:
        """A text value at ``where`` ("units[3].name"); ``field`` defaults to where's last part ("name")."""
        field = field or re.sub(r"\[\d+\]$", "", where.rpartition(".")[2])
        head = where
        if value is None or value == "":
            if required:
                self.add("required", head, field, "不能为空")
            return None
        if not isinstance(value, str):
            self.add("not_text", head, field, f"应为文本，实际为 {type(value).__name__}")
        elif _CONTROL.search(value):
            self.add("control_character", head, field, "含控制字符")
        elif len(value) > limit:
            self.add("too_long", head, field, f"过长（{len(value)} 字符，上限 {limit}）")
        elif not visible(value):  # "\u200b" alone is no name anyone could read or type
            self.add("blank", head, field, "不能为空白（或只有不可见字符）")
        else:
            return value.strip()
        return None

    def texts(self, value: Any, where: str, *, field: str | None = None) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add("not_list", where, None, f"应为列表，实际为 {type(value).__name__}")
            return []
        return [s for i, v in enumerate(value) if (s := self.text(v, f"{where}[{i}]", field=field)) is not None]

    def records(self, data: dict, key: str, *, required: bool = True) -> list[tuple[str, dict]]:
        """The list under ``key`` as (where, mapping) pairs; a missing or empty required list is a problem."""
        value = data.get(key) if data else None
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.add("not_list", key, None, f"应为{'非空' if required else ''}列表")
            return []
        return [(f"{key}[{i}]", self.mapping(raw, f"{key}[{i}]")) for i, raw in enumerate(value)]

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.add("not_object", where, None, f"应为对象，实际为 {type(value).__name__}")
            return {}
        return value


def validate(data: Any) -> Table:
    """Check a table mapping completely; raise TableError listing every problem."""
    c = _Checker()
    data = c.mapping(data, "表文件")
    if data and data.get("format") != FORMAT:
        c.add("format", "format", None, f"应为 \"{FORMAT}\"，实际为 {data.get('format')!r}")
    if data and data.get("version") != 1:
        c.add("version", "version", None, f"不支持的版本 {data.get('version')!r}（支持 1）")
    jur = c.mapping(data.get("jurisdiction"), "jurisdiction") if data else {}
    jurisdiction = {"code": c.text(jur.get("code"), "jurisdiction.code", limit=max_length(Jurisdiction.code)),
                    "name": c.text(jur.get("name"), "jurisdiction.name", limit=max_length(Jurisdiction.name)),
                    "prefixes": sorted(set(c.texts(jur.get("prefixes"), "jurisdiction.prefixes")),
                                       key=len, reverse=True),
                    "source": c.text(jur.get("source"), "jurisdiction.source", required=False,
                                     limit=max_length(Jurisdiction.source))}
    prefixes = jurisdiction["prefixes"]

    committees: list[dict] = []
    committee_keys: dict[str, str] = {}
    for where, raw in c.records(data, "committees"):
        name = c.text(raw.get("name"), f"{where}.name", limit=max_length(Committee.name))
        aliases = c.texts(raw.get("aliases"), f"{where}.aliases")
        if name is None:
            continue
        for n in [name, *aliases]:
            k = name_key(n)
            if k in committee_keys and committee_keys[k] != name:
                c.add("name_conflict", where, "aliases", f"名称“{n}”与委员会“{committee_keys[k]}”重复")
            elif k in committee_keys and n == name:
                c.add("duplicate", where, "name", f"委员会“{name}”重复出现")
            committee_keys[k] = name
        committees.append({"name": name, "section": c.text(raw.get("section"), f"{where}.section", required=False,
                                                           limit=max_length(Committee.section)),
                           "aliases": aliases})
    committee_names = {x["name"] for x in committees}

    units: list[dict] = []
    seen: dict[str, int] = {}
    for where, raw in c.records(data, "units"):
        name = c.text(raw.get("name"), f"{where}.name")
        committee = c.text(raw.get("committee"), f"{where}.committee", required=False)
        # A unit formed by merging units of the table keeps all their committees: "committees": [...]
        linked = list(dict.fromkeys([*([committee] if committee else []),
                                     *c.texts(raw.get("committees"), f"{where}.committees")]))
        parent = c.text(raw.get("parent"), f"{where}.parent", required=False)
        if name is None:
            continue
        for one in linked:
            if one not in committee_names:
                c.add("unknown_committee", f"{where}（{name}）.committee", "committee", f"未知委员会“{one}”")
        committee = linked[0] if linked else None
        if committee is None and parent is None:
            c.add("no_counterpart", f"{where}（{name}）", None, "须有 committee（对口委员会）或 parent（所属单位）")
        if name in seen:
            first = units[seen[name]]
            if committee and first.get("committee") and first["committee"] != committee:
                c.add("two_committees", where, "committee",
                      f"单位“{name}”同时对口两个委员会：“{first['committee']}”和“{committee}”")
            else:
                c.add("duplicate", where, "name", f"单位“{name}”重复（首次见于 units[{seen[name]}]）")
            continue
        former = []
        raw_former = raw.get("former_names") or []
        if not isinstance(raw_former, list):
            c.add("not_list", f"{where}.former_names", "former_names", "应为列表")
            raw_former = []
        for j, f in enumerate(raw_former):
            f = c.mapping(f, f"{where}.former_names[{j}]")
            fname = c.text(f.get("name"), f"{where}.former_names[{j}].name")
            until = f.get("until")
            try:
                until_date = dt.date.fromisoformat(until) if until is not None else None
            except (TypeError, ValueError):
                c.add("bad_date", f"{where}.former_names[{j}].until", "former_names",
                      f"日期应为 YYYY-MM-DD，实际为 {until!r}")
                until_date = None
            if fname:
                former.append({"name": fname, "until": until_date})
        seen[name] = len(units)
        units.append({"name": name, "committee": committee, "committees": linked, "parent": parent,
                      "full_name": c.text(raw.get("full_name"), f"{where}.full_name", required=False,
                                          limit=max_length(Unit.full_name)),
                      "aliases": c.texts(raw.get("aliases"), f"{where}.aliases"), "former_names": former,
                      "where": where})

    for u in units:
        if u["parent"] is not None and u["parent"] not in seen:
            c.add("unknown_unit", f"{u['where']}（{u['name']}）.parent", "parent", f"未知单位“{u['parent']}”")
    for u in units:  # parent chains must end at a unit with a committee, without cycles
        chain, cur = [], u
        while cur is not None and cur["committee"] is None and cur["parent"] in seen:
            if cur["name"] in chain:
                c.add("cycle", f"{u['where']}（{u['name']}）", None, f"所属关系成环：{' → '.join(chain)}")
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
                c.add("name_conflict", u["where"], _FIELD_OF_KIND[kind], f"名称“{n}”与单位“{keys[k][0]}”的名称冲突")
            keys.setdefault(k, (u["name"], kind))

    patterns: list[dict] = []
    for where, raw in c.records(data, "patterns", required=False):
        name = c.text(raw.get("name"), f"{where}.name", limit=max_length(UnitPattern.name))
        regex = c.text(raw.get("regex"), f"{where}.regex", limit=REGEX_MAX)
        committee = c.text(raw.get("committee"), f"{where}.committee")
        if committee is not None and committee not in committee_names:
            c.add("unknown_committee", f"{where}.committee", "committee", f"未知委员会“{committee}”")
        if regex is not None:
            try:
                compile_pattern(regex)
            except PatternError as e:
                c.add("bad_regex", f"{where}.regex", "regex", str(e))
        patterns.append({"name": name, "regex": regex, "committee": committee,
                         "note": c.text(raw.get("note"), f"{where}.note", required=False, limit=NOTE_MAX)})

    if c.problems:
        raise TableError(c.problems)
    return Table(jurisdiction, committees, units, patterns, keys)


def load(data: Any, report: dict | None = None, *, commit: bool = True) -> Jurisdiction:
    """Validate ``data`` and make it the jurisdiction's table in one transaction (all or nothing); with
    ``commit=False`` only flushed, for a caller that commits the table with its own changes (an audit entry).

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
        # Pattern rows are written anew: each keeps counting its versions, so a form loaded before is stale.
        pattern_versions = dict(db.session.execute(select(UnitPattern.name, UnitPattern.version)
                                                   .where(UnitPattern.jurisdiction_id == jur.id)).all())
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
            if unit.id is not None:
                bump(unit)   # its names are written anew: a unit form loaded before is stale
            unit.full_name, unit.position = spec["full_name"], pos
            db.session.add(unit)
            units[spec["name"]] = unit
        db.session.flush()
        from .ops import set_counterparts
        for spec in table.units:
            unit = units[spec["name"]]
            unit.parent_id = units[spec["parent"]].id if spec["parent"] else None
            set_counterparts(unit.id, [committees[n].id for n in
                                       spec.get("committees") or ([spec["committee"]] if spec["committee"] else [])])
            for n, kind, until in [*[(a, "alias", None) for a in spec["aliases"]],
                                   *[(f["name"], "former", f["until"]) for f in spec["former_names"]]]:
                db.session.add(UnitName(jurisdiction_id=jur.id, unit_id=unit.id, name=n, kind=kind,
                                        key=canonical(name_key(n), jur.prefixes), valid_until=until))
        for pos, spec in enumerate(table.patterns):
            db.session.add(UnitPattern(jurisdiction_id=jur.id, name=spec["name"], regex=spec["regex"],
                                       committee_id=committees[spec["committee"]].id, note=spec["note"],
                                       position=pos, version=pattern_versions.get(spec["name"], 0) + 1))
        if commit:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return jur


def unit_entry(unit: Unit, committee: str | list[str] | None, parent: str | None) -> dict:
    """A unit as an entry of the table file, given its committee's (or committees') and its parent's names."""
    item: dict[str, Any] = {"name": unit.name}
    linked = [committee] if isinstance(committee, str) else list(committee or [])
    if len(linked) == 1:
        item["committee"] = linked[0]
    elif linked:
        item["committees"] = linked
    if parent:
        item["parent"] = parent
    if unit.full_name:
        item["full_name"] = unit.full_name
    item["aliases"] = [n.name for n in unit.names if n.kind == "alias"]
    former = [{"name": n.name, "until": n.valid_until.isoformat() if n.valid_until else None}
              for n in unit.names if n.kind == "former"]
    if former:
        item["former_names"] = former
    return item


def export(jurisdiction_code: str) -> dict:
    """The jurisdiction's table as a file mapping (the format :func:`load` reads)."""
    jur = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
    if jur is None:
        raise LookupError(f"未知行政区：{jurisdiction_code}")
    committees = db.session.scalars(select(Committee).where(Committee.jurisdiction_id == jur.id)
                                    .order_by(Committee.position)).all()
    by_id = {c.id: c.name for c in committees}
    links: dict[int, list[str]] = {}
    for x in db.session.scalars(select(Counterpart).join(Unit).where(Unit.jurisdiction_id == jur.id)
                                .order_by(Counterpart.id)):
        links.setdefault(x.unit_id, []).append(by_id[x.committee_id])
    units = db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jur.id).order_by(Unit.position)).all()
    unit_names = {u.id: u.name for u in units}
    out_units = [unit_entry(u, links.get(u.id), unit_names.get(u.parent_id)) for u in units]
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
