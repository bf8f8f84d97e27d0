"""Table operations: one unit or pattern changed at a time, structured problems, one commit per request."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from test_web_support import build_world, session_client
from oa_liaison_plugin.models import Counterpart, Jurisdiction, Unit, UnitName, UnitPattern, db


@pytest.fixture
def world(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return build_world(app)


def _rows():
    return (sorted(db.session.execute(select(UnitName.id, UnitName.unit_id, UnitName.name)).all()),
            sorted(db.session.execute(select(UnitPattern.id, UnitPattern.name)).all()),
            sorted(db.session.execute(select(Counterpart.id, Counterpart.unit_id)).all()))


def _field_errors(page: str, field: str) -> list[str]:
    """The error messages shown under one form field."""
    start = page.index(f'id="{field}"')
    end = page.find('<div class="field', start)
    return re.findall(r'<small class="error">(.*?)</small>', page[start:end if end > 0 else None])


def test_editing_one_unit_leaves_every_other_row_alone(world, app):
    with app.app_context():
        names, patterns, links = _rows()
    admin = session_client(app, "admin1", world)
    form = {"name": "县教育局", "full_name": "南部县教育局", "committee": "教科文卫体委员会", "parent": "",
            "aliases": "教育局\n县教体局", "former_names": ""}
    assert admin.post(f"/table/units/{world['own_unit']}/edit", data=form).status_code == 302
    with app.app_context():
        after_names, after_patterns, after_links = _rows()
        own = world["own_unit"]
        assert [r for r in after_names if r[1] != own] == [r for r in names if r[1] != own]
        assert after_patterns == patterns and after_links == links
        assert app.extensions["oa_liaison"].resolver().resolve("南部县教体局").unit == "县教育局"


def test_a_conflicting_former_name_is_shown_on_its_own_field(world, app):
    admin = session_client(app, "admin1", world)
    form = {"name": "县教育局", "full_name": "南部县教育局", "committee": "教科文卫体委员会", "parent": "",
            "aliases": "", "former_names": "县财政局"}
    resp = admin.post(f"/table/units/{world['own_unit']}/edit", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert any("与单位“县财政局”的名称冲突" in e for e in _field_errors(page, "former_names"))
    assert not _field_errors(page, "aliases")


def test_operations_report_problems_with_code_and_field(app):
    from oa_liaison_plugin.table import ops
    from oa_liaison_plugin.table.file import TableError
    with app.app_context():
        jur = db.session.scalar(select(Jurisdiction))
        unit = db.session.scalar(select(Unit).where(Unit.name == "县政府办"))
        spec = ops.unit_spec(unit)
        cases = [({**spec, "parent": "人防办", "committee": None}, ("cycle", "parent")),
                 ({**spec, "committee": "火星委员会"}, ("unknown_committee", "committee")),
                 ({**spec, "name": "县教育局"}, ("duplicate", "name")),
                 ({**spec, "aliases": ["县财政局"]}, ("name_conflict", "aliases")),
                 ({**spec, "full_name": "长" * 257}, ("too_long", "full_name"))]
        for bad, expected in cases:
            with pytest.raises(TableError) as info:
                ops.update_unit(unit, bad, today=dt.date(2026, 1, 1))
            assert expected in [(p.code, p.field) for p in info.value.errors], bad
            assert all(p.message and "：" not in p.message[:1] for p in info.value.errors)
            db.session.rollback()
        with pytest.raises(TableError) as info:
            ops.create_pattern(jur, {"name": "各卫生院", "committee": "教科文卫体委员会", "regex": "(卫生院"})
        assert [(p.code, p.field) for p in info.value.errors] == [("bad_regex", "regex")]
        db.session.rollback()


def test_a_rename_keeps_the_row_and_the_old_name_resolves(app):
    from oa_liaison_plugin.table import ops
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.name == "县统计局"))
        uid = unit.id
        ops.update_unit(unit, {**ops.unit_spec(unit), "name": "县统计和调查局"}, today=dt.date(2026, 1, 1))
        db.session.commit()
        r = app.extensions["oa_liaison"].resolver().resolve("县统计局")
        assert (r.unit_id, r.unit) == (uid, "县统计和调查局")
        assert ops.unit_spec(db.session.get(Unit, uid))["former_names"] == [{"name": "县统计局", "until": "2026-01-01"}]
        kid = db.session.scalar(select(Unit).where(Unit.name == "人防办"))
        with pytest.raises(Exception) as info:
            ops.delete_unit(db.session.get(Unit, kid.parent_id))
        assert info.value.errors[0].code == "has_sub_units"


def test_a_second_answer_or_receipt_changes_nothing(app, liaison, host):
    """Operations outside the web layer: a guarded change happens once; the second caller is told."""
    from oa_liaison_plugin.audit import Actor
    from oa_liaison_plugin.models import Consultation, Copy, utcnow
    from oa_liaison_plugin.operations import AlreadyDone, consultations, copies
    host.issue(issuer="南部县教育局", title="关于全县教育事业发展规划（征求意见稿）的重大事项", flags={"major": True})
    with app.app_context():
        c = db.session.scalar(select(Consultation))
        copy = db.session.scalar(select(Copy))
        with liaison.work(Actor("test")) as uow:
            consultations.answer(uow, c, "同意。", utcnow())
            copies.mark_read(uow, copy, utcnow())
        with pytest.raises(AlreadyDone), liaison.work(Actor("test")) as uow:
            consultations.answer(uow, c, "再次。", utcnow())
        with pytest.raises(AlreadyDone), liaison.work(Actor("test")) as uow:
            copies.mark_read(uow, copy, utcnow())
        assert db.session.get(Consultation, c.id).opinion == "同意。"
