"""The counterpart table: load a file, import a notice, roll back, map a name, edit a unit or pattern — audited."""
from __future__ import annotations

from sqlalchemy import select

from ..models import Jurisdiction, TableVersion, db
from ..table import notice, file as table, ops as table_ops, versions as table_versions


def _export(code: str | None) -> dict | None:
    try:
        return table.export(code) if code else None
    except LookupError:
        return None


def load(uow, data, report: dict | None = None, *, note: str | None = None) -> Jurisdiction:
    """Replace a jurisdiction's whole table from a table file (all or nothing; TableError lists every problem);
    with ``note``, as a saved version (the table it replaces saved too), so a rollback can bring it back."""
    given = data.get("jurisdiction") if isinstance(data, dict) else None
    before = _export(given.get("code") if isinstance(given, dict) else None)
    if note is not None:
        jur = table_versions.load_version(data, note, report, commit=False)
    else:
        jur = table.load(data, report, commit=False)
    uow.audit("table.import", jur.code, before, data, jurisdiction_id=jur.id)
    return jur


def import_notice(uow, parsed: dict, code: str, report: dict | None = None) -> Jurisdiction:
    """Load a parsed liaison notice as the jurisdiction's next table version (a new jurisdiction if unknown)."""
    version = db.session.scalar(select(Jurisdiction.table_version).where(Jurisdiction.code == code))
    before = _export(code)
    after = notice.to_table(parsed, code, base=before)
    jur = notice.apply(parsed, code, report, commit=False)
    uow.audit("table.import_notice", code, {"table_version": version},
              {"source": after["jurisdiction"].get("source"), "diff": notice.diff(before, after),
               "former_used": notice.former_used(parsed, before)},
              jurisdiction_id=jur.id)
    return jur


def rollback(uow, code: str, report: dict | None = None, *, to: int | None = None) -> Jurisdiction:
    """Make saved version ``to`` the table again (a new version; without ``to`` the one before the version in
    effect; LookupError when there is none)."""
    jur = table_versions.rollback(code, report, commit=False, to=to)
    restored = db.session.scalar(select(TableVersion.note).where(TableVersion.jurisdiction_id == jur.id,
                                                                 TableVersion.version == jur.table_version))
    uow.audit("table.rollback", code, {"table_version": jur.table_version - 1},
              {"table_version": jur.table_version, "note": restored}, jurisdiction_id=jur.id)
    return jur


def map_name(uow, jur: Jurisdiction, unit: str, name: str) -> dict:
    """Record ``name`` as another name of ``unit`` (an unknown issuer mapped); the unit's entry after."""
    found = table_ops.unit_by_name(jur, unit)
    before = table_ops.unit_spec(found) if found is not None else None
    after = table_ops.unit_spec(table_ops.add_alias(jur, unit, name))
    uow.audit("unmatched.map", name, before, after, jurisdiction_id=jur.id)
    return after


def change(uow, jur: Jurisdiction, action: str, target: str, before, make) -> object:
    """A unit or pattern edited in the panel: ``make()`` changes it and returns its entry after (audited)."""
    after = make()
    uow.audit(action, target, before, after, jurisdiction_id=jur.id)
    return after
