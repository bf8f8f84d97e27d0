"""Write the BPMN 2.0 processes of the BPMN host adapter (with diagram layout, so any BPMN modeler draws them).

Run:  .venv/bin/python tools/build_bpmn.py    (writes oa_liaison_plugin/hosts/bpmn/processes/*.bpmn)

Each process is a line of steps left to right; a step is a user task (a person's step in the OA), or a
service task the adapter performs when the engine reaches it (its id names the action: see
oa_liaison_plugin/hosts/bpmn/actions.py). An exclusive gateway may send the flow back to an earlier step.
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parents[1] / "oa_liaison_plugin" / "hosts" / "bpmn" / "processes"

# (process id, name, steps); a step: ("user"|"task", id, name) or ("gateway", id, name, yes_condition, back_to)
PROCESSES = [
    ("fawen", "发文", [
        ("user", "draft", "拟稿"),
        ("user", "review", "核稿"),
        ("user", "countersign", "会签"),
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


def build(pid: str, name: str, steps: list) -> str:
    nodes = [("start", f"{pid}_start", "开始")] + [s[:3] for s in steps] + [("end", f"{pid}_end", "办结")]
    flows, shapes, edges, elements = [], [], [], []
    x = 50
    pos = {}
    for kind, nid, label in nodes:
        w, h = (36, 36) if kind in ("start", "end") else (50, 50) if kind == "gateway" else (W, H)
        pos[nid] = (x, Y + (H - h) // 2, w, h)
        x += w + GAP
    gateways = {s[1]: s for s in steps if s[0] == "gateway"}
    for i, (kind, nid, label) in enumerate(nodes[:-1]):
        nxt = nodes[i + 1][1]
        fid = f"flow_{nid}_{nxt}"
        cond = gateways[nid][3] if nid in gateways else None
        flows.append((fid, nid, nxt, cond, None))
        if nid in gateways:
            flows.append((f"flow_{nid}_back", nid, gateways[nid][4], None, "退回"))
    outgoing, incoming = {}, {}
    for fid, a, b, _, _ in flows:
        outgoing.setdefault(a, []).append(fid)
        incoming.setdefault(b, []).append(fid)
    tag = {"start": "startEvent", "end": "endEvent", "user": "userTask", "task": "serviceTask",
           "gateway": "exclusiveGateway"}
    for kind, nid, label in nodes:
        attrs = f'id="{nid}" name={quoteattr(label)}'
        if kind == "gateway":
            attrs += f' default="flow_{nid}_back"'
        inner = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(nid, [])) + \
            "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(nid, []))
        elements.append(f'    <bpmn:{tag[kind]} {attrs}>{inner}</bpmn:{tag[kind]}>')
        px, py, w, h = pos[nid]
        marker = ' isMarkerVisible="true"' if kind == "gateway" else ""
        shapes.append(f'      <bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"{marker}>'
                      f'<dc:Bounds x="{px}" y="{py}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    for fid, a, b, cond, label in flows:
        name_attr = f" name={quoteattr(label)}" if label else (' name="同意"' if cond else "")
        body = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(cond)}'
                f'</bpmn:conditionExpression>' if cond else "")
        elements.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{a}" targetRef="{b}"{name_attr}>{body}'
                        f'</bpmn:sequenceFlow>')
        (ax, ay, aw, ah), (bx, by, bw, bh) = pos[a], pos[b]
        if label:   # the way back runs under the line
            pts = [(ax + aw // 2, ay + ah), (ax + aw // 2, Y + H + 60), (bx + bw // 2, Y + H + 60),
                   (bx + bw // 2, by + bh)]
        else:
            pts = [(ax + aw, ay + ah // 2), (bx, by + bh // 2)]
        edges.append(f'      <bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}">'
                     + "".join(f'<di:waypoint x="{px}" y="{py}" />' for px, py in pts) + "</bpmndi:BPMNEdge>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<!-- Generated by tools/build_bpmn.py; open in any BPMN 2.0 modeler. -->\n'
            f'<bpmn:definitions {NS} id="{pid}_definitions" targetNamespace="https://oa-liaison.example/bpmn">\n'
            f'  <bpmn:process id="{pid}" name={quoteattr(name)} isExecutable="true">\n'
            + "\n".join(elements) + "\n  </bpmn:process>\n"
            f'  <bpmndi:BPMNDiagram id="{pid}_diagram">\n    <bpmndi:BPMNPlane id="{pid}_plane" bpmnElement="{pid}">\n'
            + "\n".join(shapes + edges) + "\n    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for pid, name, steps in PROCESSES:
        (OUT / f"{pid}.bpmn").write_text(build(pid, name, steps), "utf-8")
        print(OUT / f"{pid}.bpmn")


if __name__ == "__main__":
    main()
