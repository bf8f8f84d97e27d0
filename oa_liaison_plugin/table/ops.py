"""Changes to one unit or name pattern of the counterpart table: check, change that row only, flush.

The panel and the CLI both call these; the caller stages its audit entry and commits once (a
request, a command). A change that cannot be saved raises table.TableError whose ``errors`` are
Problems with a ``field`` named as the forms name theirs ("name", "aliases", "parent", "regex" …).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, true

from ..models import Committee, Counterpart, Jurisdiction, Unit, UnitName, UnitPattern, db
from .units import up
from ..versions import bump, claim
from ..decision.normalize import name_key
from ..decision.rules import PatternError, compile_pattern
from ..inputs.table import PatternEntry, UnitEntry
from .file import (
    _FIELD_OF_KIND,
    Problem,
    TableError,
    _Checker,
    canonical,
    unit_entry,
)


# ---------------------------------------------------------------------------------------- units


def unit_spec(unit: Unit) -> dict:
    """The unit as an entry of the table file (what the forms edit and the audit log records)."""
    committees = db.session.scalars(select(Committee.name).join(Counterpart, Counterpart.committee_id == Committee.id)
                                    .where(Counterpart.unit_id == unit.id).order_by(Counterpart.id)).all()
    return unit_entry(unit, committees, db.session.get(Unit, unit.parent_id).name if unit.parent_id else None)


def create_unit(jur: Jurisdiction, spec: dict) -> Unit:
    """Add a unit at the end of the table."""
    checked = _check_unit(jur, spec, None)
    position = db.session.scalar(select(func.max(Unit.position)).where(Unit.jurisdiction_id == jur.id))
    unit = Unit(jurisdiction_id=jur.id, name=checked["name"], position=(position or 0) + 1)
    db.session.add(unit)
    return _save_unit(jur, unit, checked)


def update_unit(unit: Unit, spec: dict, *, today: dt.date) -> Unit:
    """Change one unit. A rename keeps the row (its clerks, documents and sub-units stay with it), and the
    old name, unless already there, becomes a former name valid until ``today``, so it still resolves."""
    jur = db.session.get(Jurisdiction, unit.jurisdiction_id)
    spec = dict(spec)
    if spec.get("name") and spec["name"] != unit.name and \
            not any(f.get("name") == unit.name for f in spec.get("former_names") or []):
        spec["former_names"] = [*(spec.get("former_names") or []), {"name": unit.name, "until": today.isoformat()}]
    return _save_unit(jur, unit, _check_unit(jur, spec, unit))


def delete_unit(unit: Unit) -> None:
    """Remove a unit and its names and link (refused while sub-units still name it as their parent)."""
    kids = db.session.scalars(select(Unit.name).where(Unit.parent_id == unit.id).order_by(Unit.position)).all()
    if kids:
        raise TableError([Problem("has_sub_units", None, f"下属单位“{'、'.join(kids)}”的所属单位将成为未知单位"
                                                         f"“{unit.name}”：请先修改或删除下属单位")])
    jur = db.session.get(Jurisdiction, unit.jurisdiction_id)
    db.session.execute(delete(Unit).where(Unit.id == unit.id), execution_options={"synchronize_session": False})
    db.session.expunge(unit)
    _bump(jur)


def unit_by_name(jur: Jurisdiction, name: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.jurisdiction_id == jur.id, Unit.name == name))


def add_alias(jur: Jurisdiction, unit_name: str, alias: str) -> Unit:
    """Record another name of a unit (an unknown issuer's name mapped in the panel or by `table map`)."""
    unit = unit_by_name(jur, unit_name)
    if unit is None:
        raise TableError([Problem("unknown_unit", "unit", f"未知单位“{unit_name}”")])
    spec = unit_spec(unit)
    spec["aliases"] = [*spec["aliases"], alias]
    bump(unit)   # a unit form loaded before would otherwise save its alias list without this one
    return _save_unit(jur, unit, _check_unit(jur, spec, unit))


def _check_unit(jur: Jurisdiction, spec: dict, unit: Unit | None) -> dict:
    c = _Checker()
    entry = c.entry(UnitEntry, spec, None)   # the same model as a unit of the table file; fields by their labels
    if entry is None:
        raise TableError(c.problems)
    name, full_name, parent_name, aliases = entry["name"], entry["full_name"], entry["parent"], entry["aliases"]
    # A unit formed by merging units of the table keeps all their committees ("committees": [...]).
    names = list(dict.fromkeys([*([entry["committee"]] if entry["committee"] else []), *entry["committees"]]))
    committee_name = names[0] if names else None
    former = [(f["name"], f["until"]) for f in entry["former_names"] if f["name"]]
    own = unit.id if unit is not None else None

    parent = None
    committees = []
    for one in names:
        committee = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id,
                                                              Committee.name == one))
        if committee is None:
            c.add("unknown_committee", "", "committee", f"未知委员会“{one}”")
        else:
            committees.append(committee)
    if parent_name:
        parent = db.session.scalar(select(Unit).where(Unit.jurisdiction_id == jur.id, Unit.name == parent_name))
        if parent is None:
            c.add("unknown_unit", "", "parent", f"未知单位“{parent_name}”")
        elif own is not None and own in up(parent.id, lambda i: db.session.get(Unit, i).parent_id):
            c.add("cycle", "", "parent", f"所属关系成环：“{parent_name}”属于“{unit.name}”")
    if committee_name is None and parent_name is None:
        c.add("no_counterpart", "", "committee", "须选择对口委员会，或填写所属单位")
    if name is not None and db.session.scalar(select(Unit.id).where(
            Unit.jurisdiction_id == jur.id, Unit.name == name, Unit.id != own if own else true())) is not None:
        c.add("duplicate", "", "name", f"单位“{name}”已在表中")

    if name is not None:  # every name of the unit must lead to it alone
        taken = _other_keys(jur, own)
        names = [(name, "name"), *([(full_name, "full_name")] if full_name else []),
                 *[(a, "alias") for a in aliases], *[(n, "former") for n, _ in former]]
        for n, kind in names:
            other = taken.get(canonical(name_key(n), jur.prefixes))
            if other is not None:
                c.add("name_conflict", "", _FIELD_OF_KIND[kind], f"名称“{n}”与单位“{other}”的名称冲突")
    if c.problems:
        raise TableError(c.problems)
    return {"name": name, "full_name": full_name, "committees": committees, "parent": parent,
            "aliases": aliases, "former": former}


def _other_keys(jur: Jurisdiction, own: int | None) -> dict[str, str]:
    """Canonical name key -> the name of the other unit that owns it."""
    units = db.session.execute(select(Unit.id, Unit.name, Unit.full_name).where(Unit.jurisdiction_id == jur.id)).all()
    names = {uid: name for uid, name, _ in units}
    keys: dict[str, str] = {}
    for uid, name, full in units:
        if uid != own:
            for n in (name, full):
                if n:
                    keys.setdefault(canonical(name_key(n), jur.prefixes), name)
    for uid, key in db.session.execute(select(UnitName.unit_id, UnitName.key)
                                       .where(UnitName.jurisdiction_id == jur.id, UnitName.unit_id != own
                                              if own else true())):
        keys.setdefault(key, names[uid])
    return keys


def set_counterparts(unit_id: int, committee_ids: list[int]) -> None:
    """The unit's counterpart committees, in this order (the first is its own; order is the rows' ids)."""
    links = db.session.scalars(select(Counterpart).where(Counterpart.unit_id == unit_id)
                               .order_by(Counterpart.id)).all()
    if [x.committee_id for x in links] == committee_ids:
        return
    for link in links:
        db.session.delete(link)
    db.session.flush()
    db.session.add_all(Counterpart(unit_id=unit_id, committee_id=cid) for cid in committee_ids)


def _save_unit(jur: Jurisdiction, unit: Unit, checked: dict) -> Unit:
    unit.name, unit.full_name = checked["name"], checked["full_name"]
    db.session.flush()
    unit.parent_id = checked["parent"].id if checked["parent"] is not None else None
    set_counterparts(unit.id, [c.id for c in checked["committees"]])
    unit.names = [UnitName(jurisdiction_id=jur.id, unit_id=unit.id, name=n, kind=kind, valid_until=until,
                           key=canonical(name_key(n), jur.prefixes))
                  for n, kind, until in [*[(a, "alias", None) for a in checked["aliases"]],
                                         *[(n, "former", until) for n, until in checked["former"]]]]
    _bump(jur)
    return unit


def _bump(jur: Jurisdiction) -> None:
    jur.table_version = (jur.table_version or 0) + 1  # resolvers in every process rebuild
    db.session.flush()


# ------------------------------------------------------------------------------------- patterns


def pattern_spec(pattern: UnitPattern) -> dict:
    """The name pattern as an entry of the table file."""
    return {"name": pattern.name, "committee": pattern.committee.name, "regex": pattern.regex, "note": pattern.note}


def create_pattern(jur: Jurisdiction, spec: dict) -> UnitPattern:
    """Add a name pattern (an open group such as 各中小学校) after the others."""
    checked = _check_pattern(jur, spec, None)
    position = db.session.scalar(select(func.max(UnitPattern.position)).where(UnitPattern.jurisdiction_id == jur.id))
    pattern = UnitPattern(jurisdiction_id=jur.id, position=(position or 0) + 1, **checked)
    db.session.add(pattern)
    _bump(jur)
    return pattern


def update_pattern(pattern: UnitPattern, spec: dict, *, version=None) -> UnitPattern:
    """Change one name pattern; ``version``: the one its form was loaded at (versions.claim)."""
    jur = db.session.get(Jurisdiction, pattern.jurisdiction_id)
    checked = _check_pattern(jur, spec, pattern)
    claim(UnitPattern, pattern.id, version)
    for key, value in checked.items():
        setattr(pattern, key, value)
    _bump(jur)
    return pattern


def delete_pattern(pattern: UnitPattern) -> None:
    """Remove one name pattern."""
    jur = db.session.get(Jurisdiction, pattern.jurisdiction_id)
    db.session.delete(pattern)
    _bump(jur)


def _check_pattern(jur: Jurisdiction, spec: dict, pattern: UnitPattern | None) -> dict:
    c = _Checker()
    entry = c.entry(PatternEntry, spec, None)   # the same model as a pattern of the table file
    if entry is None:
        raise TableError(c.problems)
    name, regex, committee_name, note = entry["name"], entry["regex"], entry["committee"], entry["note"]
    committee = db.session.scalar(select(Committee).where(Committee.jurisdiction_id == jur.id,
                                                          Committee.name == committee_name))
    if committee is None:
        c.add("unknown_committee", "", "committee", f"未知委员会“{committee_name}”")
    try:
        compile_pattern(regex)  # the table file's check: invalid, empty-matching, catastrophic
    except PatternError as e:
        c.add("bad_regex", "", "regex", str(e))
    if db.session.scalar(select(UnitPattern.id).where(
            UnitPattern.jurisdiction_id == jur.id, UnitPattern.name == name,
            UnitPattern.id != pattern.id if pattern is not None else true())) is not None:
        c.add("duplicate", "", "name", f"名称规则“{name}”已在表中")
    if c.problems:
        raise TableError(c.problems)
    return {"name": name, "regex": regex, "committee_id": committee.id, "note": note}
