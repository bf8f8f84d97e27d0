"""Write the BPMN 2.0 processes of the BPMN host adapter (with diagram layout, so any BPMN modeler draws them).

Run:  .venv/bin/python tools/build_bpmn.py    (writes oa_liaison_plugin/hosts/bpmn/processes/*.bpmn)

Each process is a line of steps left to right; a step is a user task (a person's step in the OA), or a
service task the adapter performs when the engine reaches it (its id names the action: see
oa_liaison_plugin/hosts/bpmn/actions.py). An exclusive gateway may send the flow back to an earlier step.
A branch (征求政协意见 in 发文) leaves the line at a gateway when its condition holds, runs below the line
and waits at an event-based gateway for a message or a timer, then joins the line again.
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parents[1] / "oa_liaison_plugin" / "hosts" / "bpmn" / "processes"

# (process id, name, steps); a step: ("user"|"task", id, name), ("gateway", id, name, yes_condition, back_to),
# or ("branch", id, name, condition, steps, waits, join_id, join_name): when ``condition`` holds the flow takes
# ``steps`` (below the line), then an event-based gateway waits for the first of ``waits`` — ("message", id,
# name, message name) or ("timer", id, name, timeDate expression) — and joins the line at ``join_id``.
PROCESSES = [
    ("fawen", "发文", [
        ("user", "draft", "拟稿"),
        ("user", "review", "核稿"),
        ("user", "countersign", "会签"),
        ("task", "pre_check", "预检：是否重大事项（oa-liaison）"),
        ("branch", "major", "重大事项？", "consult_needed == True",
         [("task", "consult", "征求政协意见（oa-liaison）"), ("eventgateway", "consult_wait", "等待委员会意见")],
         [("message", "all_answered", "委员会意见已全部反馈", "all_answered"),
          ("timer", "consult_due", "反馈截止日", "consultation_deadline")],
         "consulted", "征求意见结束"),
        ("task", "sign_check", "签发前预检（oa-liaison）"),
        ("user", "sign", "签发"),
        ("gateway", "signed", "是否签发", "approved == True", "draft"),
        ("task", "number", "编号"),
        ("user", "seal", "用印"),
        ("task", "issue", "印发（oa-liaison）"),
        ("task", "distribute", "分发"),
    ]),
    ("shouwen", "收文（委员会来件）", [
        ("task", "register", "登记（oa-liaison）"),
        ("user", "propose", "拟办"),
        ("user", "approve", "批办"),
        ("user", "handle", "承办"),
        ("user", "reply", "答复"),
        ("task", "record_reply", "答复登记（oa-liaison）"),
    ]),
    ("huiyi", "会议通知", [
        ("user", "plan", "拟定会议"),
        ("task", "schedule", "会议登记（oa-liaison）"),
        ("user", "invite", "发送会议通知"),
    ]),
    ("yuejian", "委员会阅件", [
        ("user", "read", "阅知"),
    ]),
]

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
      'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
W, H, GAP, Y = 100, 80, 50, 100


def _layout(steps: list) -> tuple[list, list, list]:
    """Nodes (kind, id, label, x, y, w, h, extra), flows (id, source, target, condition, label) and messages."""
    nodes, flows, messages = [], [], []
    x = 50 + 36 + GAP   # after the start event

    def place(kind, nid, label, y_row=Y, extra=None):
        nonlocal x
        w, h = (36, 36) if kind in ("start", "end", "message", "timer") else \
            (50, 50) if kind in ("gateway", "eventgateway", "join") else (W, H)
        nodes.append((kind, nid, label, x, y_row + (H - h) // 2, w, h, extra))
        x += w + GAP
        return nid

    line = []   # the main line's node ids, in order, to link
    for step in steps:
        if step[0] != "branch":
            line.append(place(*step[:3], extra=step[3:] or None))
            continue
        _, gid, gname, cond, branch, waits, join, join_name = step
        line.append(place("gateway", gid, gname, extra=(None, None)))
        below = Y + H + 100
        start_x = x
        previous = gid
        for i, (kind, nid, label) in enumerate(branch):
            place(kind, nid, label, below)
            flows.append((f"flow_{previous}_{nid}", previous, nid, cond if i == 0 else None, "是" if i == 0 else None))
            previous = nid
        wait_x = x
        for row, (kind, nid, label, value) in enumerate(waits):
            x = wait_x
            place(kind, nid, label, below + row * (H + 30), value)
            flows.append((f"flow_{previous}_{nid}", previous, nid, None, None))
            if kind == "message":
                messages.append(value)
        x = max(x, start_x) + GAP
        line.append(place("join", join, join_name))
        flows.append((f"flow_{gid}_{join}", gid, join, None, "否"))
        for kind, nid, *_ in waits:
            flows.append((f"flow_{nid}_{join}", nid, join, None, None))
    return nodes, flows, messages, line


def build(pid: str, name: str, steps: list) -> str:
    nodes, flows, messages, line = _layout(steps)
    x = max(n[3] + n[5] for n in nodes) + GAP
    nodes.insert(0, ("start", f"{pid}_start", "开始", 50, Y + (H - 36) // 2, 36, 36, None))
    nodes.append(("end", f"{pid}_end", "办结", x, Y + (H - 36) // 2, 36, 36, None))
    line = [f"{pid}_start", *line, f"{pid}_end"]
    kinds = {n[1]: n for n in nodes}
    for a, b in zip(line, line[1:]):
        node = kinds[a]
        if node[0] == "gateway" and node[7] and node[7][0] is None:
            continue   # a branch's gateway: its flows were laid out with the branch
        cond = node[7][0] if node[0] == "gateway" and node[7] else None
        flows.append((f"flow_{a}_{b}", a, b, cond, None))
        if node[0] == "gateway" and node[7]:
            flows.append((f"flow_{a}_back", a, node[7][1], None, "退回"))
    pos = {n[1]: n[3:7] for n in nodes}
    outgoing, incoming = {}, {}
    for fid, a, b, _, _ in flows:
        outgoing.setdefault(a, []).append(fid)
        incoming.setdefault(b, []).append(fid)
    tag = {"start": "startEvent", "end": "endEvent", "user": "userTask", "task": "serviceTask",
           "gateway": "exclusiveGateway", "join": "exclusiveGateway", "eventgateway": "eventBasedGateway",
           "message": "intermediateCatchEvent", "timer": "intermediateCatchEvent"}
    shapes, edges, elements = [], [], []
    for kind, nid, label, px, py, w, h, extra in nodes:
        attrs = f'id="{nid}" name={quoteattr(label)}'
        if kind == "gateway":
            attrs += f' default="flow_{nid}_back"' if extra and extra[0] is not None else \
                f' default="{next(f for f in outgoing[nid] if f.endswith(nid + "_" + _join_of(flows, nid)))}"'
        inner = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(nid, [])) + \
            "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(nid, []))
        if kind == "message":
            inner += f'<bpmn:messageEventDefinition messageRef="message_{extra}" />'
        elif kind == "timer":
            inner += (f'<bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                      f'{escape(extra)}</bpmn:timeDate></bpmn:timerEventDefinition>')
        elements.append(f'    <bpmn:{tag[kind]} {attrs}>{inner}</bpmn:{tag[kind]}>')
        marker = ' isMarkerVisible="true"' if kind in ("gateway", "join") else ""
        shapes.append(f'      <bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"{marker}>'
                      f'<dc:Bounds x="{px}" y="{py}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    for fid, a, b, cond, label in flows:
        name_attr = f" name={quoteattr(label)}" if label else (' name="同意"' if cond else "")
        body = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(cond)}'
                f'</bpmn:conditionExpression>' if cond else "")
        elements.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{a}" targetRef="{b}"{name_attr}>{body}'
                        f'</bpmn:sequenceFlow>')
        edges.append(f'      <bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}">'
                     + "".join(f'<di:waypoint x="{px}" y="{py}" />' for px, py in _waypoints(pos[a], pos[b], label))
                     + "</bpmndi:BPMNEdge>")
    defined = "".join(f'  <bpmn:message id="message_{m}" name="{m}" />\n' for m in messages)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!-- Generated by tools/build_bpmn.py; open in any BPMN 2.0 modeler. -->\n'
            f'<bpmn:definitions {NS} id="{pid}_definitions" targetNamespace="https://oa-liaison.example/bpmn">\n'
            + defined +
            f'  <bpmn:process id="{pid}" name={quoteattr(name)} isExecutable="true">\n'
            + "\n".join(elements) + "\n  </bpmn:process>\n"
            f'  <bpmndi:BPMNDiagram id="{pid}_diagram">\n    <bpmndi:BPMNPlane id="{pid}_plane" bpmnElement="{pid}">\n'
            + "\n".join(shapes + edges) + "\n    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n")


def _join_of(flows, gateway: str) -> str:
    """The node a branch's gateway goes to when its condition does not hold (the flow labelled 否)."""
    return next(b for _, a, b, _, label in flows if a == gateway and label == "否")


def _waypoints(a, b, label):
    """An edge's points: straight on one row; the way back (退回) under the line; a branch down and up again."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    if label == "退回":
        return [(ax + aw // 2, ay + ah), (ax + aw // 2, Y + H + 60), (bx + bw // 2, Y + H + 60),
                (bx + bw // 2, by + bh)]
    if label == "否" or ay + ah // 2 == by + bh // 2:
        return [(ax + aw, ay + ah // 2), (bx, by + bh // 2)]
    if by > ay:   # down into the branch
        return [(ax + aw // 2, ay + ah), (ax + aw // 2, by + bh // 2), (bx, by + bh // 2)]
    return [(ax + aw, ay + ah // 2), (bx + bw // 2, ay + ah // 2), (bx + bw // 2, by + bh)]   # up to the join


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for pid, name, steps in PROCESSES:
        (OUT / f"{pid}.bpmn").write_text(build(pid, name, steps), "utf-8")
        print(OUT / f"{pid}.bpmn")


if __name__ == "__main__":
    main()
