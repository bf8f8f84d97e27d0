"""The ``submissions`` and ``remind`` commands: reply tasks from the command line, JSON keys stable."""
from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ..clock import county_today
from ..events import FIRST_YEAR, LAST_YEAR
from ..files import read_input
from sqlalchemy import select

from ..errors import InputError

EXIT_BAD_INPUT = 2
CLI_USER = "（命令行）"


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


def _fail(message: str, as_json: bool, field: str | None = None):
    if as_json:
        click.echo(_dump({"error": message, "field": field}))
    click.echo(f"错误：{message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def load_input(input_path: str, as_json: bool):
    """A command's --input JSON file, or exit 2 naming ``input``."""
    from ..jsonfile import load_file
    try:
        return load_file(input_path, input_path)
    except OSError as exc:
        _fail(f"无法读取 {input_path}：{exc.strerror or exc}", as_json, "input")
    except InputError as exc:
        _fail(str(exc), as_json, "input")


def _day(value: str | None, name: str, as_json: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"参数 --{name}：日期应为 YYYY-MM-DD，实际为 {value!r}", as_json, name)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:   # deadlines and windows are counted from it, months either way
        _fail(f"参数 --{name}：日期应在 {FIRST_YEAR}–{LAST_YEAR} 年之间，实际为 {value}", as_json, name)
    return day


def _jurisdiction(obj, code: str | None, as_json: bool):
    try:
        return obj.liaison.jurisdiction(code)
    except LookupError as exc:
        _fail(f"参数 --jurisdiction：{exc}", as_json, "jurisdiction")


def _task(obj, host_id: str, jurisdiction: str | None, as_json: bool):
    from ..models import Submission, db
    jur = _jurisdiction(obj, jurisdiction, as_json)
    s = db.session.scalar(select(Submission).where(Submission.jurisdiction_id == jur.id, Submission.host_id == host_id))
    if s is None:
        _fail(f"参数 SUBMISSION_ID：没有编号为“{host_id}”的来件", as_json, "submission_id")
    return s


def _change(obj, as_json: bool, change):
    """Run ``change(uow)`` as cli:<os user> in one transaction; a race is a clear error (bad input: the
    InputError mapping)."""
    from ..audit import Actor
    from ..operations import AlreadyDone
    try:
        with obj.liaison.work(Actor.cli()) as uow:
            return change(uow)
    except AlreadyDone:
        _fail("这件来件刚刚已由他人处理，未作改动", as_json, "submission_id")


_ID = click.argument("submission_id")
_JUR = click.option("--jurisdiction", "-j", default=None, help="行政区代码（默认配置中的 JURISDICTION）")
_JSON = click.option("--json", "as_json", is_flag=True, help="输出 JSON")
_BY = click.option("--by", default=CLI_USER, show_default=True, help="经办人（记入审计日志）")


@click.group("submissions")
def submissions():
    """委员会来件（提案、调研报告、建言献策、社情民意）的答复任务（三(四)）。"""


def _task_command(name: str):
    """A ``submissions`` subcommand about one task: SUBMISSION_ID, --by, --jurisdiction, --json."""
    def wrap(fn):
        for decorate in (click.pass_obj, _JSON, _JUR, _BY, _ID, submissions.command(name)):
            fn = decorate(fn)
        return fn
    return wrap


@submissions.command("add")
@click.option("--input", "input_path", required=True, metavar="SUB.json",
              help="来件 JSON，字段同 submission_received 钩子（id、committee、unit、kind、title、received、cohandlers…）")
@_JSON
@click.pass_obj
def add(obj, input_path, as_json):
    """登记一件来件（如纸质来件），生成答复任务和期限。"""
    data = load_input(input_path, as_json)
    from ..audit import Actor
    from .hooks import received
    with obj.app.app_context():
        result = received(obj.liaison, data, Actor.cli())
    if result.get("status") == "error":
        _fail(result["error"], as_json, result.get("field"))
    click.echo(_dump(result) if as_json else f"已登记 {result['submission_id']}：{result['unit']}，答复期限 {result['due']}")


@submissions.command("list")
@click.option("--unit", help="答复单位（主办）")
@click.option("--committee", help="委员会")
@click.option("--state", type=click.Choice(["received", "drafting", "sent", "rated", "reopened"]))
@click.option("--overdue", is_flag=True, help="只列已超期的")
@click.option("--due-within", type=click.IntRange(0, 3660), help="只列 N 天内到期、尚未答复的")
@click.option("--today", help="以此日期为今天（YYYY-MM-DD）")
@_JUR
@_JSON
@click.pass_obj
def list_(obj, unit, committee, state, overdue, due_within, today, jurisdiction, as_json):
    """列出答复任务：状态、期限、是否超期。"""
    from .listing import task_lines, tasks_query
    today = _day(today, "today", as_json) or county_today(obj.app.config)
    with obj.app.app_context():
        jur = _jurisdiction(obj, jurisdiction, as_json)
        resolver = obj.liaison.resolver(jur.code)
        unit_id = committee_id = None
        if unit:
            found = resolver.resolve(unit)
            if not found.resolved:
                _fail(f"参数 --unit：未知单位“{unit}”", as_json, "unit")
            unit_id = found.unit_id
        if committee:
            from ..models import Committee, db
            name = resolver.committee(committee)
            if name is None:
                _fail(f"参数 --committee：未知委员会“{committee}”", as_json, "committee")
            committee_id = db.session.scalar(select(Committee.id).where(Committee.jurisdiction_id == jur.id,
                                                                        Committee.name == name))
        q = tasks_query(jur.id, today, unit_ids=[unit_id] if unit_id else None, committee_id=committee_id,
                        state=state, overdue=overdue, due_within=due_within)
        lines = task_lines(q, today)
    if as_json:
        click.echo(_dump({"today": today.isoformat(), "submissions": lines}))
        return
    for t in lines:
        late = f"，已超期 {-t['days_left']} 天" if t["overdue"] else ""
        click.echo(f"{t['submission_id']}  {t['state_label']}  {t['unit']}  {t['kind']}《{t['title']}》  "
                   f"期限 {t['due']}{late}")


@submissions.command("on-time")
@click.option("--year", type=click.IntRange(FIRST_YEAR, LAST_YEAR), help="收到来件的年度（默认今年）")
@click.option("--today", help="以此日期为今天（YYYY-MM-DD）")
@_JUR
@_JSON
@click.pass_obj
def on_time_(obj, year, today, jurisdiction, as_json):
    """按期答复率：一年内收到的来件，合计和各单位（口径同年度总结）。"""
    from ..review.stats import ON_TIME_DEFINITION
    from .tasks import on_time
    today = _day(today, "today", as_json) or county_today(obj.app.config)
    with obj.app.app_context():
        figures = on_time(_jurisdiction(obj, jurisdiction, as_json).id, today, year or today.year)
    if as_json:
        click.echo(_dump({"today": today.isoformat(), **figures, "definition": ON_TIME_DEFINITION}))
        return
    click.echo(f"{figures['year']}年按期答复率：{figures['total']['text']}")
    for r in figures["units"]:
        click.echo(f"  {r['unit']}  {r['text']}")


@_task_command("extend")
@click.option("--due", required=True, help="新的答复期限（YYYY-MM-DD）")
@click.option("--reason", required=True, help="延期理由")
def extend_(obj, submission_id, due, reason, by, jurisdiction, as_json):
    """延长答复期限（记下理由、经办人和时间；原期限保留）。"""
    from . import tasks
    from ..operations import replies as ops
    with obj.app.app_context():
        s = _task(obj, submission_id, jurisdiction, as_json)
        _change(obj, as_json, lambda uow: ops.extend(uow, s, due, reason, by))
        out = tasks.summary(s)
    click.echo(_dump(out) if as_json else f"已延期：{submission_id} 新期限 {out['due']}（原期限 {out['original_due']}）")


@_task_command("reply")
@click.option("--doc-number", required=True, help="复函的发文字号，如 南教函〔2017〕8号")
@click.option("--date", "date_", required=True, help="复函日期（YYYY-MM-DD）")
@click.option("--file", "file_", type=click.Path(dir_okay=False), help="签发后的复函（.docx 或 .pdf）")
@click.option("--today", help="以此日期为今天（YYYY-MM-DD）")
def reply(obj, submission_id, doc_number, date_, file_, today, by, jurisdiction, as_json):
    """标记已答复：复函的发文字号、日期和签发件；通知委员会。"""
    from . import tasks
    from ..operations import replies as ops
    data = None
    if file_:
        try:
            data = read_input(file_, max_bytes=int(obj.app.config["MAX_UPLOAD_BYTES"]))
        except OSError as exc:
            _fail(f"参数 --file：无法读取 {file_}：{exc.strerror or exc}", as_json, "file")
    today = _day(today, "today", as_json)
    with obj.app.app_context():
        s = _task(obj, submission_id, jurisdiction, as_json)
        _change(obj, as_json, lambda uow: ops.send_reply(uow, s, doc_number, date_, by, file_name=file_, data=data,
                                                          today=today))
        out = tasks.summary(s)
    click.echo(_dump(out) if as_json else f"已答复：{submission_id}（{out['replies'][-1]['doc_number']}）")


@_task_command("rate")
@click.option("--committee", required=True, help="评价的委员会（须是来件的委员会）")
@click.option("--rating", required=True, help="满意 / 基本满意 / 不满意")
@click.option("--comment", default=None, help="意见（可空）")
@click.option("--today", help="以此日期为今天（YYYY-MM-DD）")
def rate(obj, submission_id, committee, rating, comment, today, by, jurisdiction, as_json):
    """委员会评价答复；不满意时重新办理，给出新的期限。"""
    from . import tasks
    from ..operations import replies as ops
    today = _day(today, "today", as_json)
    with obj.app.app_context():
        s = _task(obj, submission_id, jurisdiction, as_json)
        name = obj.liaison.resolver(jurisdiction).committee(committee) or committee
        _change(obj, as_json, lambda uow: ops.rate(uow, s, name, rating, comment, by, today=today))
        out = tasks.summary(s)
    click.echo(_dump(out) if as_json else f"已评价：{submission_id} {rating}（状态：{tasks.STATES[out['state']]}）")


@_task_command("opinion")
@click.option("--unit", required=True, help="会办单位")
@click.option("--text", "opinion", required=True, help="会办意见")
def opinion(obj, submission_id, unit, opinion, by, jurisdiction, as_json):
    """会办单位把意见送主办单位。"""
    from . import tasks
    from ..operations import replies as ops
    with obj.app.app_context():
        s = _task(obj, submission_id, jurisdiction, as_json)
        found = obj.liaison.resolver(jurisdiction).resolve(unit)
        c = next((c for c in tasks.cohandlers(s.id) if found.resolved and c.unit_id == found.unit_id), None)
        if c is None:
            _fail(f"参数 --unit：“{unit}”不是这件来件的会办单位", as_json, "unit")
        _change(obj, as_json, lambda uow: ops.give_opinion(uow, s, c, opinion, by))
        out = tasks.summary(s)
    click.echo(_dump(out) if as_json else f"已送会办意见：{submission_id}（{c.unit_name}）")


@click.command("remind")
@click.option("--today", help="以此日期为今天（YYYY-MM-DD；默认本地今天）")
@click.option("--task", "task", metavar="SUBMISSION_ID", help="只提醒这件来件的答复单位（须与 --now 同用）")
@click.option("--now", is_flag=True, help="立即提醒 --task 指定的来件（每件每天一次）")
@_JUR
@_JSON
@click.pass_obj
def remind(obj, today, task, now, jurisdiction, as_json):
    """发送到期提醒一轮（答复期限前 15、3 天及超期当天等；每条只发一次）。供 cron 使用。
    --task ID --now：立即提醒一件来件的答复单位。"""
    from .. import reminders
    day = _day(today, "today", as_json) or county_today(obj.app.config)
    if task is not None or now:
        return _remind_now(obj, task, now, day, jurisdiction, as_json)
    try:
        sent = reminders.run(obj.liaison, day, jurisdiction)
    except LookupError as exc:
        _fail(f"参数 --jurisdiction：{exc}", as_json, "jurisdiction")
    if as_json:
        click.echo(_dump({"today": day.isoformat(), "sent": sent}))
    else:
        for line in sent:
            click.echo(f"已提醒 {line['recipient']}：{line['subject']}（{line['offset']}）")
        click.echo(f"共发送 {len(sent)} 条提醒（{day.isoformat()}）")


def _remind_now(obj, task: str | None, now: bool, day: dt.date, jurisdiction: str | None, as_json: bool):
    """``remind --task ID --now``: the task's main unit reminded now (audited as cli:<os user>), once a day."""
    from ..audit import Actor
    from ..models import Submission, db
    from ..operations import replies as ops
    if not (task and now):
        _fail("参数 --task 与 --now 须同时给出（立即提醒一件来件）", as_json, "now" if task else "task")
    with obj.app.app_context():
        jur = _jurisdiction(obj, jurisdiction, as_json)
        s = db.session.scalar(select(Submission).where(Submission.jurisdiction_id == jur.id,
                                                       Submission.host_id == task))
        if s is None:
            _fail(f"参数 --task：没有编号为“{task}”的来件", as_json, "task")
        try:
            with obj.liaison.work(Actor.cli()) as uow:
                line = ops.remind_now(uow, s, day).line()
        except InputError as exc:
            _fail(exc.message, as_json, "task")
    if as_json:
        click.echo(_dump({"today": day.isoformat(), "sent": [line]}))
    else:
        click.echo(f"已提醒 {line['recipient'].get('unit')}：{line['title']}")
