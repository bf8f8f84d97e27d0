"""Saved versions of a jurisdiction's counterpart table: load as a new version, roll back to the previous one."""
from __future__ import annotations

from sqlalchemy import select

from ..models import Jurisdiction, TableVersion, db
from . import file as table


def _jurisdiction(code: str) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def versions(code: str) -> list[TableVersion]:
    """The saved versions, newest first."""
    jur = _jurisdiction(code)
    if jur is None:
        return []
    return db.session.scalars(select(TableVersion).where(TableVersion.jurisdiction_id == jur.id)
                              .order_by(TableVersion.version.desc())).all()


def _saved(jur: Jurisdiction, version: int) -> TableVersion | None:
    return db.session.scalar(select(TableVersion).where(TableVersion.jurisdiction_id == jur.id,
                                                        TableVersion.version == version))


def load_version(data: dict, note: str, report: dict | None = None, *, commit: bool = True) -> Jurisdiction:
    """Load ``data`` (all or nothing) as the jurisdiction's next table version, saving the table it replaces;
    ``commit=False``: flushed only, for a unit of work that commits it with its audit entry."""
    table.validate(data)
    code = data["jurisdiction"]["code"]
    jur = _jurisdiction(code)
    if jur is not None and _saved(jur, jur.table_version) is None:
        # Tables changed by other paths (panel edits, table load) were not saved; keep this one now,
        # committed by load() together with the new table.
        db.session.add(TableVersion(jurisdiction_id=jur.id, version=jur.table_version,
                                    data=table.export(code), note="导入前的表"))
    jur = table.load(data, report, commit=False)
    try:
        db.session.add(TableVersion(jurisdiction_id=jur.id, version=jur.table_version,
                                    data=table.export(code), note=note[:256]))
        db.session.commit() if commit else db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    return jur


def restorable(code: str) -> list[TableVersion]:
    """The saved versions a rollback may return to: every one before the current, newest first."""
    jur = _jurisdiction(code)
    return [v for v in versions(code) if jur is not None and v.version < jur.table_version]


def _default_target(code: str, older: list[TableVersion]) -> TableVersion | None:
    """The version before the one whose content is in effect now: a second rollback goes further back
    instead of bringing back the version the first one undid."""
    now = table.export(code)
    first = min((v.version for v in older if v.data == now), default=None)
    return next((v for v in older if first is None or v.version < first), None)


def rollback(code: str, report: dict | None = None, *, commit: bool = True, to: int | None = None) -> Jurisdiction:
    """Make saved version ``to`` the table again (as a new version; history is kept); without ``to``, the one
    before the version now in effect. LookupError when there is none."""
    jur = _jurisdiction(code)
    if jur is None:
        raise LookupError(f"未知行政区：{code}")
    older = restorable(code)
    target = next((v for v in older if v.version == to), None) if to is not None else _default_target(code, older)
    if target is None:
        raise LookupError(f"没有可回退的第 {to} 版对口联系表" if to is not None else "没有可回退的上一版对口联系表")
    return load_version(target.data, f"回退到第 {target.version} 版", report, commit=commit)
