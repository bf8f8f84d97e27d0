"""The demo: the 南部县 table, realistic documents issued through a BPMN workflow, where each went and why."""
from __future__ import annotations

import datetime as dt
import json
import time
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from .audit import Actor
from .models import Committee, Copy, Counterpart, EventError, Unit, db
from .operations import replies

DEMO = Actor("demo")   # the demo's own changes, as the audit log names them


def _scenario() -> dict:
    return json.loads(resources.files("oa_liaison_plugin").joinpath("data/demo.json").read_text("utf-8"))


def run_demo(app, out: Path | None = None, echo=print) -> dict:
    """Run every capability once on the reference host; returns what was produced (for tests)."""
    from .delivery import deliver_due
    from .documents.samples import make_issued_docx
    from .table import file as table
    from .decision.route import reroute_unmatched

    liaison = app.extensions["oa_liaison"]
    out = out or Path(app.instance_path) / "demo"
    out.mkdir(parents=True, exist_ok=True)
    scenario = _scenario()
    produced: dict = {"documents": [], "drafts": {}, "out": str(out)}

    with app.app_context():
        jur = liaison.jurisdiction()
        echo(f"== 对口联系表：{jur.name}（{jur.source}） ==")
        rows = db.session.execute(
            select(Committee.name, func.count(Counterpart.id))
            .outerjoin(Counterpart, Counterpart.committee_id == Committee.id)
            .where(Committee.jurisdiction_id == jur.id).group_by(Committee.id, Committee.name)
            .order_by(Committee.position)).all()
        subunits = db.session.scalar(select(func.count(Unit.id)).where(Unit.jurisdiction_id == jur.id,
                                                                       Unit.parent_id.is_not(None)))
        for name, n in rows:
            echo(f"  {name}：{n} 个对口单位")
        echo(f"  另有下属单位 {subunits} 个（随所属单位对口）")
        echo("\n== 发文单位名称解析（主办系统发来的全称） ==")
        resolver = liaison.resolver()
        for name in scenario["names"]:
            r = resolver.resolve(name)
            echo(f"  {name} → " + (f"{r.unit}{'（' + r.parent + ' 下属）' if r.parent else ''} → {r.committee}"
                                  f"［{r.matched_by}］" if r.resolved else f"未知；相近：{'、'.join(r.suggestions) or '无'}"))

    liaison.config["DELIVERY_BACKOFF_SECONDS"] = [1]  # the demo waits one second, not ten, before retrying
    host = _host(liaison, echo)
    handovers = []
    for item in scenario["documents"]:
        meta = {k: v for k, v in item.items() if k not in ("file", "issuer", "sealed", "attachments", "handover")}
        file = None
        if item.get("sealed"):   # the sealed 版式 file an OA hands over after 签发 (OFD, PDF), shipped as data
            file = resources.files("oa_liaison_plugin").joinpath(f"data/{item['sealed']}").read_bytes()
        if item.get("file"):
            f = item["file"]
            meta["doc_number"] = f["doc_number"]
            file = make_issued_docx(issuer=item["issuer"], doc_number=f["doc_number"],
                                    title=item.get("title") or f["title"],
                                    main_recipients=f.get("main_recipients", ["县级各部门"]),
                                    body_paragraphs=f.get("body", ["……"]), secrecy=f.get("secrecy"),
                                    secrecy_period=f.get("secrecy_period"), copy_number=f.get("copy_number"),
                                    note=f.get("note"), date=dt.date.fromisoformat(f.get("date", "2017-03-01")))
        attachments = [(a["name"], make_issued_docx(
            issuer=item["issuer"], doc_number=None, title=a["title"], main_recipients=[], body_paragraphs=["（名单略）"],
            secrecy=a.get("secrecy"), secrecy_period=a.get("secrecy_period"))) for a in item.get("attachments", [])]
        title = item.get("title") or item["file"]["title"]
        what = f"，{item['file_name'].rpartition('.')[2].upper()} 版式文件" if item.get("sealed") else ""
        echo(f"\n  《{title}》（{item['issuer']}{what}{'，附件 ' + str(len(attachments)) + ' 个' if attachments else ''}）")
        r = _issue(host, item["issuer"], title, file, meta, echo, attachments)
        produced["documents"].append(r)
        _echo_result(echo, r)
        if item.get("handover") and r["status"] == "held":
            handovers.append((r["host_id"], item["handover"]))
    for host_id, h in handovers:
        _handover(app, liaison, host_id, h, echo)
    produced["consultation"] = _consult_before_issue(app, liaison, host, scenario["consultation"], out, echo)

    echo("\n== 管理员把未知发文单位映射到已有单位（无须重新印发） ==")
    mapping = scenario["mapping"]
    with app.app_context():
        data = table.export(liaison.config["JURISDICTION"])
        aliases = next(u for u in data["units"] if u["name"] == mapping["unit"])["aliases"]
        if mapping["name"] not in aliases:  # a second demo run finds it mapped already
            aliases.append(mapping["name"])
            table.load(data)
    routed = reroute_unmatched(liaison)
    echo(f"  “{mapping['name']}” → {mapping['unit']}：{len(routed)} 份暂存文件已自动分送")

    echo("\n== 投递（第一次投递模拟失败，退避后重试） ==")
    time.sleep(liaison.config["DELIVERY_BACKOFF_SECONDS"][0] + 0.1)
    deliver_due(liaison)
    with app.app_context():
        committees = set(db.session.scalars(select(Committee.name)))
        retried = db.session.scalars(select(Copy).where(Copy.attempts > 1)).all()
        pending = db.session.scalar(select(func.count(Copy.id)).where(Copy.status != "delivered"))
        for c in retried:
            error = db.session.scalar(select(EventError.message).where(EventError.subject == f"copy-{c.id}"))
            echo(f"  《{c.snapshot['title']}》→ {c.recipient}：第 1 次投递失败（{error}），第 {c.attempts} 次送达")
        echo(f"  未送达：{pending} 份")
    by_recipient: dict[str, list[str]] = {}
    for recipient, title in _inbox(host):
        by_recipient.setdefault(recipient, []).append(title)
    for recipient, titles in by_recipient.items():
        if recipient in committees:
            echo(f"  {recipient} 收件箱：{len(titles)} 份 — " + "；".join(f"《{t}》" for t in titles))
    units = [r for r in by_recipient if r not in committees]
    if units:
        echo(f"  对口单位收件箱：{len(units)} 个单位各收到委员会调研报告 1 份（{'、'.join(units[:5])}……）")

    echo("\n== 委员会来件与答复期限（三(四)） ==")
    for sub in scenario["submissions"]:
        r = liaison.submission_received(sub)
        echo(f"  {sub['committee']} → {r['unit']}：{sub['kind']}《{sub['title']}》，答复期限 {r['due']}")

    produced["reply_task"] = _reply_task(app, liaison, scenario["reply_task"], out, echo)

    with app.app_context():
        _people(liaison, scenario, out, echo, produced)
    echo("\n== 会议（三(一)(三)、三(六)） ==")
    for meeting in scenario["meetings"]:
        r = liaison.meeting_scheduled(meeting)
        echo(f"  {meeting['title']}（{meeting['held_on']}）：" +
             (f"应邀请 {'、'.join(r['invite'])} 负责人参加" if r["invite"] else "无须邀请"))
        for i in r.get("invitees", []):
            echo(f"    · 提议邀请：{i['organisation']}{i['post'] or ''}{i['name']}（待单位确认）")

    produced["drafts"] = _drafts(app, liaison, scenario, out, echo)
    with app.app_context():
        _meetings_and_review(app, liaison, scenario, out, echo, produced)
    echo(f"\n演示完成。数据库：{app.config['DATABASE_URL']}")
    return produced


def _host(liaison, echo):
    """The BPMN host (a real workflow engine) when installed, else the reference host."""
    try:
        from .hosts.bpmn import BpmnHost
    except ImportError:
        from .reference_host import ReferenceHost
        echo("\n== 经参考主办系统印发文件（三(五)：抄送、征求意见；安装 oa-liaison[bpmn] 可改走 BPMN 发文流程） ==")
        return ReferenceHost(liaison, fail_deliveries=1)
    echo("\n== 经 BPMN 发文流程印发文件（拟稿→核稿→会签→签发→编号→用印→印发→分发；三(五)：抄送、征求意见） ==")
    return BpmnHost(liaison, fail_deliveries=1)


CONSULT_KEY = "fawen-demo-consultation"


def _consult_before_issue(app, liaison, host, item: dict, out: Path, echo) -> dict:
    """#26: a major matter's draft goes to the committee before 签发; its answer reaches the signer; issued after."""
    from .decision.consult_letters import committee_reply, consultation_letter
    from .documents.samples import make_issued_docx
    from .models import Consultation
    from .operations import consultations
    echo("\n== 签发前征求意见（五(一)、三(五)）：重大事项的征求意见稿先送委员会，签发人看到委员会意见 ==")
    bpmn = hasattr(host, "start")
    host_id = f"bpmn-{CONSULT_KEY}" if bpmn else "demo-consultation"
    if liaison.consultations(host_id):
        echo("  （已在上次演示中办理，见网页面板“征求意见”）")
        return {}
    meta = {k: v for k, v in item.items() if k not in ("answer", "body")}
    file = make_issued_docx(issuer=item["issuer"], doc_number=None, title=item["title"] + "（征求意见稿）",
                            main_recipients=item["main_recipients"], body_paragraphs=[item["body"]],
                            date=dt.date.fromisoformat(item["issued_on"]))
    echo(f"  《{item['title']}》（{item['issuer']}，征求意见稿）")
    if bpmn:
        host.start("fawen", {**meta, "body": item["body"]}, key=CONSULT_KEY, file=file)
        for step in ("draft", "review", "countersign"):
            host.complete(CONSULT_KEY, step, {})
        echo("    会签后预检：" + "；".join(host.data(CONSULT_KEY).get("liaison_advice", [])))
    else:
        liaison.draft_for_consultation({"id": host_id, **meta, "body": item["body"], "file": file})
    opened = liaison.consultations(host_id)
    for c in opened:
        echo(f"    → 征求意见稿已送{c['committee']}（征求意见 {c['id']}），{c['due']}前反馈"
             + ("；发文流程在“等待委员会意见”处等待（全部反馈，或到反馈截止日）" if bpmn else ""))
    answer = item["answer"]
    with app.app_context():
        for c in opened:
            with liaison.work(DEMO) as uow:   # the operation behind the panel's 征求意见 → 填写意见
                consultations.answer(uow, db.session.get(Consultation, c["id"]), answer["opinion"],
                                     dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), answer["position"])
            echo(f"    {c['committee']}在网页面板“征求意见 → 填写意见”反馈：{answer['position']}——{answer['opinion']}")
    if bpmn:
        moved = host.refresh()
        echo(f"    委员会意见已全部反馈：流程 {'、'.join(moved)} 进入签发")
        advice = host.data(CONSULT_KEY).get("liaison_advice", [])
        for line in advice:
            echo(f"    签发时提示：{line}")
        host.complete(CONSULT_KEY, "sign", {"approved": True, "signer": "分管领导"})
        issued = host.complete(CONSULT_KEY, "seal", {})["liaison"]
    else:
        advice = liaison.check_before_issue({"id": host_id, **meta})
        for line in advice:
            echo(f"    签发时提示：{line}")
        issued = liaison.document_issued({"id": host_id, **meta, "body": item["body"]})
    echo(f"    印发：{'已于签发前征求意见（consulted_before_issue: true）' if issued.get('consulted_before_issue') else '未经事前协商'}"
         f"，抄送 {'、'.join(issued.get('committees') or [])}")
    with app.app_context():
        c = db.session.get(Consultation, opened[0]["id"])
        letter, _, _ = consultation_letter(app.config, c, templates_dir=app.config["TEMPLATES_DIR"])
        reply, _ = committee_reply(app.config, c, templates_dir=app.config["TEMPLATES_DIR"])
    paths = {"letter": out / "demo-consultation-letter.docx", "reply": out / "demo-consultation-reply.docx"}
    paths["letter"].write_bytes(letter)
    paths["reply"].write_bytes(reply)
    echo(f"    征求意见函（附件1 征求意见稿、附件2 意见反馈表）：{paths['letter']}")
    echo(f"    委员会复函：{paths['reply']}")
    echo("    同样可经 HTTP（document.drafted、consultation.answered）和命令行（oa-liaison consultations open、answer、"
         "letter）办理")
    return {"host_id": host_id, "advice": advice, "issued": issued, "consultations": opened,
            **{k: str(v) for k, v in paths.items()}}


def _handover(app, liaison, host_id: str, h: dict, echo) -> None:
    """A classified document's offline 机要 hand-over, recorded as an administrator would (no copy is made)."""
    from .models import Document
    from .operations import decisions
    with app.app_context():
        row = db.session.scalar(select(Document).where(Document.host_id == host_id))
        if row is None or row.status != "held":
            return
        with liaison.work(DEMO) as uow:
            decisions.handover(uow, row, h["committees"], handed_on=dt.date.fromisoformat(h["handed_on"]),
                               handed_by=h["handed_by"], reason=h["reason"])
    echo(f"\n== 密级文件不经本系统传送：管理员登记线下机要传递 ==\n  {host_id} → {'、'.join(h['committees'])}："
         f"{h['handed_on']} 由{h['handed_by']}经机要渠道送达（本系统未传送文件，未产生抄送）")


def _issue(host, issuer: str, title: str, file, meta: dict, echo, attachments=()) -> dict:
    """One document through the host's issuing flow; the plugin's summary with the advice the signer saw."""
    if not hasattr(host, "start"):   # the reference host: one call
        if attachments:
            meta = {**meta, "attachments": [{"name": n, "data": d} for n, d in attachments]}
        r = host.issue(issuer=issuer, file=file, **meta)
        for advice in r.get("advice", []):
            echo(f"    印发前提示：{advice}")
        return r
    key = host.start("fawen", {"issuer": issuer, **meta, **({"title": title} if "title" in meta else {})},
                     file=file, attachments=attachments)
    for step in ("draft", "review", "countersign"):
        host.complete(key, step, {})
    advice = host.data(key).get("liaison_advice", [])
    for line in advice:
        echo(f"    签发时提示：{line}")
    host.complete(key, "sign", {"approved": True, "signer": "分管领导"})
    done = host.complete(key, "seal", {})
    echo(f"    流程 {key}：编号 {done.get('doc_number')}，分发时抄送 {len(done.get('copied_to') or [])} 处")
    return {"host_id": f"bpmn-{key}", "advice": advice, **done["liaison"]}


def _inbox(host) -> list[tuple[str, str]]:
    if hasattr(host, "start"):
        return [(t["data"]["recipient"], t["data"]["title"]) for t in host.inbox()]
    return [(item.recipient, item.title) for item in host.inbox()]


def _echo_result(echo, r):
    if r["status"] == "routed":
        to = r["committees"] or r["units"]
        echo(f"    → 抄送 {len(to)} 处：{'、'.join(to[:8])}{'……' if len(to) > 8 else ''}")
        if r["consultation_committees"]:
            echo(f"    → 征求意见：{'、'.join(r['consultation_committees'])}")
    elif r["status"] == "not_qualified":
        echo("    → 不抄送")
    else:
        echo(f"    → 暂存（{r['status']}）：{r['hold_reason'] or r.get('error')}")
    for reason in r.get("reasons", [])[:6]:
        echo(f"       · {reason['text']}")


def _drafts(app, liaison, scenario, out: Path, echo) -> dict:
    """Write one reply, one consultation letter and one set of minutes (.docx) into ``out``."""
    from .documents.drafts import render_consultation, render_minutes, render_reply
    echo("\n== 公文草稿（GB/T 9704） ==")
    paths = {}
    for kind, render in (("reply", render_reply), ("consultation", render_consultation), ("minutes", render_minutes)):
        data = scenario["drafts"][kind]
        context = liaison.draft_context(kind, data)
        blob = render(data, templates_dir=app.config["TEMPLATES_DIR"], extra_context=context)
        path = out / f"demo-{kind}.docx"
        path.write_bytes(blob)
        paths[kind] = str(path)
        echo(f"  {_LABEL[kind]}：{path}")
    return paths


_LABEL = {"reply": "答复函", "consultation": "征求意见函", "minutes": "联系会纪要"}


def _reply_task(app, liaison, story: dict, out: Path, echo) -> dict:
    """One proposal from arrival to a second answer: co-handler's opinion, draft, reminder, reply, 不满意, reply."""
    from . import reminders
    from .documents.cli import official_names
    from .documents.drafts import render_reply
    from .replies import tasks
    from .models import Submission

    def task():
        return db.session.scalar(select(Submission).where(Submission.host_id == story["submission"]))

    def show(what: str):
        s = task()
        echo(f"  {what}：状态“{tasks.STATES[s.state]}”，第{s.round}次办理，答复期限 {s.due_on.isoformat()}")

    echo("\n== 一件提案的答复：会办、草稿、提醒、答复、评价（三(四)） ==")
    done: dict = {}
    with app.app_context():
        if task().state != "received":   # a second demo run: the story is told already
            echo("  （已在上次演示中办理，见网页面板“来件答复”）")
            return done
        s = task()
        echo(f"  {s.committee.name}的{s.kind}《{s.title}》：主办 {s.unit_name}，会办 "
             f"{'、'.join(c.unit_name for c in tasks.cohandlers(s.id))}")
        c = tasks.cohandlers(s.id)[0]
        with liaison.work(DEMO) as uow:
            replies.give_opinion(uow, s, c, story["opinion"]["text"], c.unit_name)
        echo(f"  会办意见（{c.unit_name}）：{story['opinion']['text']}")

        reply = story["reply"]
        data = official_names(liaison, {**tasks.draft_fields(s), **reply})
        blob = render_reply(data, templates_dir=app.config["TEMPLATES_DIR"],
                            extra_context=liaison.draft_context("reply", data))
        path = out / "demo-reply-task.docx"
        path.write_bytes(blob)
        tasks.start_drafting(s.id)
        db.session.commit()
        done["draft"] = str(path)
        echo(f"  答复函草稿（按任务预填）：{path}")
        show("下载草稿后")

    for line in reminders.run(liaison, dt.date.fromisoformat(story["remind_on"])):
        to = line["recipient"]
        echo(f"  提醒（{story['remind_on']}，期限前 {line['offset_days']} 天）→ {to[to['role']]}：{line['title']}")

    with app.app_context():
        with liaison.work(DEMO) as uow:
            replies.send_reply(uow, task(), reply["doc_number"], reply["date"], "演示", file_name=path.name, data=blob)
        show(f"复函 {reply['doc_number']}（{reply['date']}）签发件已上传、标记已答复，委员会已收到通知")
        rating = story["rating"]
        with liaison.work(DEMO) as uow:
            replies.rate(uow, task(), task().committee.name, rating["rating"], rating["comment"], "演示",
                         today=dt.date.fromisoformat(rating["on"]))
        show(f"委员会评价“{rating['rating']}”（{rating['comment']}），重新办理")
        second = story["second_reply"]
        with liaison.work(DEMO) as uow:
            replies.send_reply(uow, task(), second["doc_number"], second["date"], "演示")
            replies.rate(uow, task(), task().committee.name, story["second_rating"]["rating"],
                         story["second_rating"]["comment"], "演示")
        show(f"第二次答复 {second['doc_number']}（{second['date']}），委员会评价“{story['second_rating']['rating']}”")
        done["summary"] = tasks.summary(task())
    return done


def _people(liaison, scenario, out: Path, echo, produced) -> None:
    """Liaison leaders (one changed mid-year, history kept), committee members, the filing report."""
    from .meetings.filing import leaders_report
    from .meetings.people import add_member, set_leader
    echo("\n== 对口联系分管领导与委员会组成人员（五(二)） ==")
    jur = liaison.jurisdiction()
    for item in scenario["leaders"]:
        lead = set_leader(liaison, jur, item, dt.date.fromisoformat(item["since"]))
        echo(f"  {lead.unit.name}：{lead.post} {lead.name}（{lead.phone}），自 {lead.since.isoformat()}")
    for item in scenario["members"]:
        add_member(liaison, jur, item)
    db.session.commit()
    blob, summary = leaders_report(jur, date=dt.date(2017, 12, 31), templates_dir=liaison.config["TEMPLATES_DIR"])
    path = out / "demo-leaders-report.docx"
    path.write_bytes(blob)
    produced["leaders_report"] = str(path)
    echo(f"  {summary['named']} 个单位已确定分管领导，{len(summary['missing'])} 个尚未确定（面板“分管领导”页列出）")
    echo(f"  报备函（主送县委办公室、县政府办公室、县政协办公室）：{path}")


def _meetings_and_review(app, liaison, scenario, out: Path, echo, produced) -> None:
    """A liaison meeting recorded and its minutes generated from the record; who is behind; the year's review."""
    from . import reminders
    from .documents.drafts import render_minutes
    from .meetings import committee_title
    from .meetings.compliance import compliance
    from .meetings.invitations import answer
    from .meetings.record import minutes_data, record_meeting
    from .models import Invitation
    from .review import year_review
    from .review.report import review_report
    jur, year = liaison.jurisdiction(), scenario["review_year"]
    end = dt.date(year, 12, 31)
    echo("\n== 联系会记录与纪要（三(六)）：纪要按会议记录生成，无须重填 ==")
    recorded = [record_meeting(liaison, jur, item, end) for item in scenario["meeting_records"]]
    db.session.commit()
    m = recorded[0]
    data = minutes_data(m, committee_title(jur, m.committee.name))
    path = out / "demo-minutes-from-record.docx"
    path.write_bytes(render_minutes(data, templates_dir=app.config["TEMPLATES_DIR"]))
    produced["minutes_from_record"] = str(path)
    echo(f"  {m.committee.name} {m.held_on.isoformat()}：出席 {len(data['attendees'])} 人，请假 {len(data['absent'])} 人，"
         f"议定课题 {len(scenario['meeting_records'][0]['agreed_topics'])} 项")
    echo(f"  纪要（第{data['seq']}期）：{path}")
    first = db.session.scalars(select(Invitation).order_by(Invitation.id)).first()
    if first is not None and first.status == "proposed":   # the unit confirms one proposal in the panel
        answer(first, "confirmed", dt.datetime(year, 2, 15))
        db.session.commit()
    echo(f"\n== {year} 年联系会达标情况（每年至少 {liaison.config['MEETINGS_MINIMUM']} 次） ==")
    result = compliance(liaison, jur, year, end)
    for c in result["committees"]:
        echo(f"  {c['name']}：{c['held']} 次{'  ← 未达到' if c['behind'] else ''}")
    produced["behind"] = [c["name"] for c in result["committees"] if c["behind"]]
    sent = [r for day in (1, 2) for r in reminders.run(liaison, dt.date(year, 11, day), jur.code)
            if r["kind"] == "meeting_compliance"]   # the same pass also reminds of overdue replies
    echo(f"  按 {year}-11-01 检查：新发提醒 {len(sent)} 条（每条只发一次，再检查不会重发）"
         + (f"；例：{sent[0]['title']}" if sent else ""))
    echo(f"\n== {year} 年度对口联系工作总结（五(三)） ==")
    review = year_review(liaison, jur, year)
    t = review["totals"]
    echo(f"  征求意见 {t['consultations_opened']} 次：签发前征求意见 {t['consultations_before']} 次，未经事前协商 "
         f"{t['consultations_after']} 次；委员会意见 修改意见 {t['positions_amend']} 次")
    echo(f"  抄送 {t['copies']} 份次；征求意见 {t['consultations_opened']} 次；来件 {t['submissions']} 件（已答复 "
         f"{t['submissions_answered']}）；联系会 {t['meetings_held']} 次；应邀请 {t['invitations_proposed']} 人次；"
         f"议定课题 {t['topics']} 项")
    path = out / f"demo-review-{year}.docx"
    path.write_bytes(review_report(review, date=end, templates_dir=app.config["TEMPLATES_DIR"]))
    produced["review"] = str(path)
    echo(f"  总结报告：{path}（面板“年度总结”页有图表）")
