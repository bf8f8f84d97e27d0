"""The counterpart table as a file: validate, load (all or nothing) and export."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select

from ..inputs import field_path, message
from ..inputs.table import (  # noqa: F401  (the limits are the forms' too)
    FORMAT,
    MAX_NAME,
    NOTE_MAX,
    REGEX_MAX,
    CommitteeEntry,
    JurisdictionEntry,
    PatternEntry,
    Refused,
    UnitEntry,
)
from ..models import Committee, Counterpart, Jurisdiction, Unit, UnitName, UnitPattern, db
from ..versions import bump
from ..decision.normalize import name_key
from ..decision.rules import PatternError, compile_pattern

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

    def entry(self, model, raw: Any, where: str | None) -> dict | None:
        """One entry through its input model (``inputs.table``); None when refused, its problems listed.

        ``where`` is its place in a file ("units[3]"); None names each field by its label instead (a form).
        """
        try:
            return model.model_validate(raw).model_dump()
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                self.problems.append(_problem(model, err, where))
            return None

    def records(self, data: dict, key: str, *, required: bool = True) -> list[tuple[str, Any]]:
        """The list under ``key`` as (where, entry) pairs; a missing or empty required list is a problem."""
        value = data.get(key) if data else None
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.add("not_list", key, None, f"应为{'非空' if required else ''}列表")
            return []
        return [(f"{key}[{i}]", raw) for i, raw in enumerate(value)]

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.add("not_object", where, None, f"应为对象，实际为 {type(value).__name__}")
            return {}
        return value


def _problem(model, err: dict, where: str | None) -> Problem:
    """A pydantic error of an entry as a Problem with a stable code."""
    loc = err.get("loc", ())
    field = next((part for part in loc if isinstance(part, str)), None)
    cause = (err.get("ctx") or {}).get("error")
    kind = err.get("type")
    if isinstance(cause, Refused):
        code, text = cause.code, cause.message
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        code, text = "not_object", f"应为对象，实际为 {type(err.get('input')).__name__}"
    elif kind == "missing":
        code, text = "required", "不能为空"
    else:
        code, text = kind or "invalid", message(err)
    if where is None:
        info = model.model_fields.get(field) if field else None
        return Problem(code, field, text, (info.description if info else "") or "")
    return Problem(code, field, text, field_path(loc, where) or where)


def validate(data: Any, *, trial: bool = True) -> Table:
    """Check a table mapping completely; raise TableError listing every problem. ``trial=False`` skips the
    patterns' backtracking trial (only for the shipped table, tried in the tests)."""
    c = _Checker()
    data = c.mapping(data, "表文件")
    if data and data.get("format") != FORMAT:
        c.add("format", "format", None, f"应为 \"{FORMAT}\"，实际为 {data.get('format')!r}")
    if data and data.get("version") != 1:
        c.add("version", "version", None, f"不支持的版本 {data.get('version')!r}（支持 1）")
    jurisdiction = c.entry(JurisdictionEntry, data.get("jurisdiction") if data else None, "jurisdiction") or {
        "code": None, "name": None, "prefixes": [], "source": None}
    jurisdiction["prefixes"] = sorted(set(jurisdiction["prefixes"]), key=len, reverse=True)
    prefixes = jurisdiction["prefixes"]

    committees: list[dict] = []
    committee_keys: dict[str, str] = {}
    for where, raw in c.records(data, "committees"):
        entry = c.entry(CommitteeEntry, raw, where)
        if entry is None:
            continue
        name, aliases = entry["name"], entry["aliases"]
        for n in [name, *aliases]:
            k = name_key(n)
            if k in committee_keys and committee_keys[k] != name:
                c.add("name_conflict", where, "aliases", f"名称“{n}”与委员会“{committee_keys[k]}”重复")
            elif k in committee_keys and n == name:
                c.add("duplicate", where, "name", f"委员会“{name}”重复出现")
            committee_keys[k] = name
        committees.append(entry)
    committee_names = {x["name"] for x in committees}

    units: list[dict] = []
    seen: dict[str, int] = {}
    for where, raw in c.records(data, "units"):
        entry = c.entry(UnitEntry, raw, where)
        if entry is None:
            continue
        name, committee, parent = entry["name"], entry["committee"], entry["parent"]
        # A unit formed by merging units of the table keeps all their committees: "committees": [...]
        linked = list(dict.fromkeys([*([committee] if committee else []), *entry["committees"]]))
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
        seen[name] = len(units)
        units.append({**entry, "committee": committee, "committees": linked,
                      "former_names": [f for f in entry["former_names"] if f["name"]], "where": where})

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
        entry = c.entry(PatternEntry, raw, where)
        if entry is None:
            continue
        regex, committee = entry["regex"], entry["committee"]
        if committee not in committee_names:
            c.add("unknown_committee", f"{where}.committee", "committee", f"未知委员会“{committee}”")
        try:
            compile_pattern(regex, trial=trial)
        except PatternError as e:
            c.add("bad_regex", f"{where}.regex", "regex", str(e))
        patterns.append(entry)

    if c.problems:
        raise TableError(c.problems)
    return Table(jurisdiction, committees, units, patterns, keys)


def load(data: Any, report: dict | None = None, *, commit: bool = True, trial: bool = True) -> Jurisdiction:
    """Validate ``data`` and make it the jurisdiction's table in one transaction (all or nothing); with
    ``commit=False`` only flushed, for a caller that commits the table with its own changes (an audit entry).

    Units and committees are matched by name so their ids (and the history that refers to
    them) survive a reload; what the file no longer names is removed. A unit the file names anew
    with, among its former names, a unit the file no longer names is that unit renamed: same row.
    ``report`` (optional) receives ``renamed`` [(old, new)] and ``removed`` [names].
    """
    table = validate(data, trial=trial)
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
