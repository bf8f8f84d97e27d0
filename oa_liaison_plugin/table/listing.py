"""The counterpart table as a host lists it: committees and units under their stable ids (GET /api/v1/…)."""
from __future__ import annotations

from sqlalchemy import select

from ..meetings import committee_title
from ..models import Committee, Unit, UnitName, db


def _tables(liaison, code: str):
    """The jurisdiction, its resolver (the units' counterpart committees, inherited by sub-units) and its units."""
    jur = liaison.jurisdiction(code)
    resolver = liaison.resolver(jur)
    units = db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jur.id).order_by(Unit.position, Unit.id))
    return jur, resolver, list(units)


def _committee_ids(resolver, unit_id: int) -> list[int]:
    entry = resolver.entries.get(unit_id)
    return [resolver.committee_ids[name] for name in entry.committees] if entry is not None else []


def committees(liaison, code: str) -> list[dict]:
    """Every committee: id, name, full name, aliases and the ids of the units it liaises with."""
    jur, resolver, units = _tables(liaison, code)
    members: dict[int, list[int]] = {}
    for u in units:
        for cid in _committee_ids(resolver, u.id):
            members.setdefault(cid, []).append(u.id)
    rows = db.session.scalars(select(Committee).where(Committee.jurisdiction_id == jur.id)
                              .order_by(Committee.position, Committee.id))
    return [{"id": c.id, "name": c.name, "full_name": committee_title(jur, c.name, full=True),
             "aliases": list(c.aliases or []), "units": members.get(c.id, [])} for c in rows]


def units(liaison, code: str) -> list[dict]:
    """Every unit: id, name, full name, aliases, its parent's id and its counterpart committees' ids."""
    jur, resolver, rows = _tables(liaison, code)
    aliases: dict[int, list[str]] = {}
    for unit_id, name in db.session.execute(select(UnitName.unit_id, UnitName.name).where(
            UnitName.jurisdiction_id == jur.id, UnitName.kind == "alias").order_by(UnitName.id)):
        aliases.setdefault(unit_id, []).append(name)
    return [{"id": u.id, "name": u.name, "full_name": u.full_name, "aliases": aliases.get(u.id, []),
             "parent_id": u.parent_id, "committee_ids": _committee_ids(resolver, u.id)} for u in rows]
