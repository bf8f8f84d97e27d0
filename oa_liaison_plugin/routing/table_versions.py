"""Saved versions of a jurisdiction's counterpart table: load as a new version, roll back to the previous one."""
from __future__ import annotations

from sqlalchemy import select

from ..models import Jurisdiction, TableVersion, db
from . import table


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


def rollback(code: str, report: dict | None = None, *, commit: bool = True) -> Jurisdiction:
    """Make the version before the current one the table again (as a new version; history is kept)."""
    jur = _jurisdiction(code)
    if jur is None:
        raise LookupError(f"未知行政区：{code}")
    previous = db.session.scalar(select(TableVersion).where(TableVersion.jurisdiction_id == jur.id,
                                                            TableVersion.version < jur.table_version)
                                 .order_by(TableVersion.version.desc()))
    if previous is None:
        raise LookupError(f"行政区 {code} 没有可回退的上一版对口联系表")
    return load_version(previous.data, f"回退到第 {previous.version} 版", report, commit=commit)
