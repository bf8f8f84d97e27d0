"""Commands for meetings, liaison leaders, agreed topics, reminders and the yearly review (click)."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click

from ..clitypes import ROW_ID
from ..errors import InputError
from ..files import OutputError, read_input, to_stdout, write_atomic

EXIT_BAD_INPUT = 2
JURISDICTION = click.option("--jurisdiction", "-j", default=None, help="行政区代码（默认配置中的 JURISDICTION）")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="输出 JSON")


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


@contextlib.contextmanager
def _session(obj, jurisdiction):
    """App context and jurisdiction (bad input is the command line's InputError mapping: exit 2, nothing saved)."""
    with obj.app.app_context():
        try:
            jur = obj.liaison.jurisdiction(jurisdiction)
        except LookupError as exc:
            raise click.UsageError(str(exc)) from None
        yield jur


@contextlib.contextmanager
def _work(obj, jurisdiction):
    """A unit of work by cli:<os user> in the jurisdiction, committed once at the end (none after bad input)."""
    from ..audit import Actor
    with _session(obj, jurisdiction) as jur, obj.liaison.work(Actor.cli()) as uow:
        yield uow, jur


def _today(obj):
    from . import today
    return today(obj.liaison)


def _year(obj, year) -> int:
    from . import year_of
    return year_of(year, _today(obj))


def _read_json(path: str):
    from ..jsonfile import load_file
    try:
        return load_file(path, f"输入文件 {path} ")
    except OSError as exc:
        raise click.ClickException(f"无法读取 {path}：{exc.strerror or exc}") from None


def _write(out: str, blob: bytes) -> None:
    path = Path(out)
    if not to_stdout(out) and not path.parent.is_dir():
        raise click.ClickException(f"输出目录不存在：{path.parent}")
    try:
        write_atomic(out, blob)
    except OutputError as exc:
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    except OSError as exc:
        raise click.ClickException(f"无法写入 {out}：{exc.strerror or exc}") from None


def _meeting(jur, meeting_id: str):
    from sqlalchemy import select

    from ..models import Meeting, db
    row = db.session.scalar(select(Meeting).where(Meeting.jurisdiction_id == jur.id, Meeting.host_id == meeting_id))
    if row is None:
        raise InputError("meeting", f"没有编号为 {meeting_id} 的会议")
    return row


# ----------------------------------------------------------------------------- meetings


@click.group()
def meetings():
    """对口单位负责人联系会：会议记录、纪要、签发纪要、年度达标情况、委员名单。"""


@meetings.command("record")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@JURISDICTION
@AS_JSON
@click.pass_obj
def meetings_record(obj, file, jurisdiction, as_json):
    """记录一次联系会（JSON 文件）；出席、请假人员须是对口单位分管领导或本委员会委员。

    字段：committee、held_on、place、chair、attendees、absent（含 reason）、observers、topics、decisions、
    agreed_topics（title、kind 协商/调研、unit）；可选 id（主办系统的会议编号）、title、unit。
    """
    from ..operations import meetings as ops
    data = _read_json(file)
    with _work(obj, jurisdiction) as (uow, jur):
        m = ops.record_meeting(uow, jur, data, _today(obj))
        out = {"meeting_id": m.host_id, "committee": m.committee.name, "held_on": m.held_on.isoformat(),
               "attendees": sum(p.role == "attendee" for p in m.people),
               "absent": sum(p.role == "absent" for p in m.people)}
    click.echo(_dump(out) if as_json else f"已记录：{out['committee']} {out['held_on']} 联系会（编号 {out['meeting_id']}）")


@meetings.command("minutes")
@click.argument("meeting_id")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="输出的 .docx")
@JURISDICTION
@click.pass_obj
def meetings_minutes(obj, meeting_id, out, jurisdiction):
    """按会议记录生成纪要（.docx，GB/T 9704），无须重新填写。"""
    from ..documents.drafts import render_minutes
    from . import committee_title
    from .record import minutes_data
    with _session(obj, jurisdiction) as jur:
        m = _meeting(jur, meeting_id)
        data = minutes_data(m, committee_title(jur, m.committee.name))
        blob = render_minutes(data, templates_dir=obj.app.config["TEMPLATES_DIR"],
                              extra_context=obj.liaison.draft_context("minutes", data))
    _write(out, blob)
    click.echo(f"已生成纪要：{out}", err=to_stdout(out))


@meetings.command("sign")
@click.argument("meeting_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@JURISDICTION
@AS_JSON
@click.pass_obj
def meetings_sign(obj, meeting_id, file, jurisdiction, as_json):
    """上传签发后的纪要（PDF 或 .docx），连同其 SHA-256 保存。"""
    from ..operations import meetings as ops
    try:
        data = read_input(file, max_bytes=int(obj.app.config["SIGNED_MINUTES_MAX_BYTES"]))
    except OSError as exc:
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    with _work(obj, jurisdiction) as (uow, jur):
        digest = ops.sign(uow, _meeting(jur, meeting_id), data, Path(file).name)
    click.echo(_dump({"meeting_id": meeting_id, "sha256": digest, "size": len(data)}) if as_json
               else f"已保存签发纪要：{Path(file).name}（SHA-256 {digest}）")


@meetings.command("compliance")
@click.argument("year")
@JURISDICTION
@AS_JSON
@click.pass_obj
def meetings_compliance(obj, year, jurisdiction, as_json):
    """各专门委员会当年召开联系会的次数与最低要求（默认每年 2 次）。"""
    from .compliance import compliance
    year = _year(obj, year)
    with _session(obj, jurisdiction) as jur:
        result = compliance(obj.liaison, jur, year, _today(obj))
    for c in result["committees"]:
        c.pop("committee_id")
    if as_json:
        click.echo(_dump(result))
        return
    click.echo(f"{result['year']} 年联系会（每年至少 {result['minimum']} 次）：")
    for c in result["committees"]:
        click.echo(f"  {c['name']}：{c['held']} 次{'  ← 未达到' if c['behind'] else ''}")


@meetings.command("member")
@click.argument("committee")
@click.argument("name")
@click.argument("post")
@click.option("--unit", help="委员所在单位（本单位的县政协委员会被邀请参加本单位的全局性会议）")
@JURISDICTION
@click.pass_obj
def meetings_member(obj, committee, name, post, unit, jurisdiction):
    """登记专门委员会的组成人员（主任、副主任为负责人）。"""
    from ..operations import meetings as ops
    with _work(obj, jurisdiction) as (uow, jur):
        m = ops.add_member(uow, jur, {"committee": committee, "name": name, "post": post, "unit": unit})
        click.echo(f"已登记：{m.committee.name} {m.post} {m.name}{'（负责人）' if m.leader else ''}")


# ------------------------------------------------------------------------------ leaders


@click.group()
def leaders():
    """各部门（单位）的对口联系分管领导（五(二)）。"""


@leaders.command("set")
@click.argument("unit")
@click.option("--name", required=True)
@click.option("--post", required=True)
@click.option("--phone", required=True)
@click.option("--since", help="起始日期 YYYY-MM-DD（默认今天）；原分管领导至此日止")
@JURISDICTION
@click.pass_obj
def leaders_set(obj, unit, name, post, phone, since, jurisdiction):
    """确定（或更换）一个单位的分管领导；原分管领导保留在历史中。"""
    from ..operations import meetings as ops
    with _work(obj, jurisdiction) as (uow, jur):
        lead = ops.set_leader(uow, jur, {"unit": unit, "name": name, "post": post, "phone": phone, "since": since},
                              _today(obj))
        click.echo(f"{lead.unit.name}：分管领导 {lead.post} {lead.name}（{lead.phone}），自 {lead.since.isoformat()}")


@leaders.command("list")
@JURISDICTION
@AS_JSON
@click.pass_obj
def leaders_list(obj, jurisdiction, as_json):
    """列出各单位的分管领导；未确定的单位标出。"""
    from .people import leaders_by_unit
    with _session(obj, jurisdiction) as jur:
        rows = [{"unit": u.name, "name": lead.name if lead else None, "post": lead.post if lead else None,
                 "phone": lead.phone if lead else None} for u, lead in leaders_by_unit(jur.id)]
    if as_json:
        click.echo(_dump({"units": rows, "missing": [r["unit"] for r in rows if r["name"] is None]}))
        return
    for r in rows:
        click.echo(f"  {r['unit']}：" + (f"{r['post']} {r['name']}（{r['phone']}）" if r["name"] else "未确定"))


@leaders.command("report")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="输出的 .docx")
@click.option("--issuer", help="发文机关（默认 data/meetings.json 中的 leaders_report.issuer）")
@click.option("--doc-number", default="", help="发文字号")
@JURISDICTION
@AS_JSON
@click.pass_obj
def leaders_report(obj, out, issuer, doc_number, jurisdiction, as_json):
    """生成分管领导名单报备函（GB/T 9704 函，主送县委办公室、县政府办公室、县政协办公室）。"""
    from .filing import leaders_report as make
    with _session(obj, jurisdiction) as jur:
        blob, summary = make(jur, date=_today(obj), issuer=issuer, doc_number=doc_number,
                             templates_dir=obj.app.config["TEMPLATES_DIR"])
    _write(out, blob)
    click.echo(_dump({"out": out, **summary}) if as_json else
               f"已生成报备函：{out}（{summary['named']} 个单位" +
               (f"；未确定分管领导：{'、'.join(summary['missing'])}）" if summary["missing"] else "）"),
               err=to_stdout(out))


# ------------------------------------------------------------------------------- topics


@click.group()
def topics():
    """联系会议定的年度协商、调研课题：计划 → 进行中 → 完成。"""


@topics.command("list")
@click.argument("year")
@JURISDICTION
@AS_JSON
@click.pass_obj
def topics_list(obj, year, jurisdiction, as_json):
    """列出某年的议定课题。"""
    from sqlalchemy import select

    from ..models import AgreedTopic, db
    year = _year(obj, year)
    with _session(obj, jurisdiction) as jur:
        rows = [topic_json(t) for t in db.session.scalars(select(AgreedTopic).where(
            AgreedTopic.jurisdiction_id == jur.id, AgreedTopic.year == year).order_by(AgreedTopic.id))]
    if as_json:
        click.echo(_dump({"year": year, "topics": rows}))
        return
    for t in rows:
        click.echo(f"  [{t['id']}] {t['committee']}：{t['title']}（{t['unit'] or '未定牵头单位'}）{t['state']}")


def topic_json(t) -> dict:
    return {"id": t.id, "title": t.title, "kind": t.kind, "committee": t.committee.name,
            "unit": t.unit.name if t.unit else None, "state": t.state, "planned_on": t.planned_on.isoformat(),
            "started_on": t.started_on.isoformat() if t.started_on else None,
            "done_on": t.done_on.isoformat() if t.done_on else None,
            "consultation_id": t.consultation_id, "submission_id": t.submission_id}


@topics.command("set")
@click.argument("topic_id", type=ROW_ID)
@click.argument("state")
@click.option("--on", "on", help="日期 YYYY-MM-DD（默认今天）")
@click.option("--consultation", type=ROW_ID, help="由此形成的征求意见编号")
@click.option("--submission", type=ROW_ID, help="由此形成的调研报告（来件）编号")
@JURISDICTION
@AS_JSON
@click.pass_obj
def topics_set(obj, topic_id, state, on, consultation, submission, jurisdiction, as_json):
    """推进一个课题：in_progress（进行中）或 done（完成），可关联征求意见或调研报告。"""
    from ..models import AgreedTopic, db
    from ..operations import meetings as ops
    from . import date_of
    with _work(obj, jurisdiction) as (uow, jur):
        t = db.session.get(AgreedTopic, topic_id)
        if t is None or t.jurisdiction_id != jur.id:
            raise InputError("topic", f"没有编号为 {topic_id} 的课题")
        ops.advance_topic(uow, t, state, date_of(on, "on") if on else _today(obj), consultation_id=consultation,
                          submission_id=submission)
        out = topic_json(t)
    click.echo(_dump(out) if as_json else f"课题“{out['title']}”：{out['state']}")


# --------------------------------------------------------------------- remind and report


# Minimal `remind` for form (6)'s tests; issue 12 owns this command: at merge keep issue 12's and drop this one
# (and its entry in cli.py's command list). The compliance pass needs nothing from it.
@click.group()
def report():
    """年度总结报告（五(三)）。"""


@report.command("year")
@click.argument("year")
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="输出的 .docx")
@click.option("--issuer", help="发文机关（默认 data/meetings.json 中的 review_report.issuer）")
@click.option("--doc-number", default="", help="发文字号")
@JURISDICTION
@AS_JSON
@click.pass_obj
def report_year(obj, year, out, issuer, doc_number, jurisdiction, as_json):
    """某年各专门委员会和各单位的对口联系情况：抄送、征求意见、来件答复、联系会、邀请、课题。"""
    from ..review import year_review
    from ..review.report import review_report
    if not out and not as_json:
        raise click.UsageError("请给出 --out FILE.docx 或 --json")
    year = _year(obj, year)
    with _session(obj, jurisdiction) as jur:
        review = year_review(obj.liaison, jur, year)
    if out:
        _write(out, review_report(review, date=_today(obj), issuer=issuer, doc_number=doc_number,
                                  templates_dir=obj.app.config["TEMPLATES_DIR"]))
    if as_json:
        click.echo(_dump(review), err=to_stdout(out))
    else:
        click.echo(f"已生成 {year} 年度对口联系工作报告：{out}", err=to_stdout(out))
