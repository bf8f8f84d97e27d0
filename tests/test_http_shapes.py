"""Every answer and callback of a full scenario: lists are [], never null; every reason is {code, text, …}."""
from __future__ import annotations

from http_host import CallbackHost, add_host, b64, cloud_event, post_event, request, signed, wait_for
from oa_liaison_plugin.http import hosts, outbox
from oa_liaison_plugin.models import db

from helpers import docx

# Keys that hold a list wherever they appear in an answer or a callback.
LISTS = {"main_recipients", "cc", "attachments", "committees", "units", "reasons", "consultation_committees",
         "invite", "invitees", "consultations", "consultation_ids", "cohandlers", "aliases", "committee_ids",
         "secrecy_marks", "messages", "near_misses", "terms"}
REASON_KEYS_TEXT = ("committee", "rule", "name", "field", "matched")


def faults(value, path="$") -> list[str]:
    """Where ``value`` breaks the contract: a list key null (or not a list), a reason without code or text."""
    out = []
    if isinstance(value, dict):
        for key, v in value.items():
            here = f"{path}.{key}"
            if key in LISTS and not isinstance(v, list):
                # a few of these names are also objects' fields of another kind (a reason's "committee" is text)
                out.append(f"{here} is {v!r}, not a list")
            if key == "reasons" and isinstance(v, list):
                for i, r in enumerate(v):
                    out += _reason_faults(r, f"{here}[{i}]")
            out += faults(v, here)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += faults(v, f"{path}[{i}]")
    return out


def _reason_faults(r, where) -> list[str]:
    if not isinstance(r, dict):
        return [f"{where} is {r!r}, not an object"]
    bad = [k for k in ("code", "text") if not isinstance(r.get(k), str) or not r[k].strip()]
    bad += [k for k in REASON_KEYS_TEXT if k in r and not isinstance(r[k], str)]
    return [f"{where} has no proper {', '.join(bad)}: {r!r}"] if bad else []


def test_faults_finds_a_null_list_and_a_reason_without_text():
    assert faults({"a": {"cc": None}}) == ["$.a.cc is None, not a list"]
    assert faults({"reasons": [{"code": "x"}]}) and faults({"reasons": ["文本"]})
    assert faults({"reasons": [{"code": "rule:major", "text": "t", "matched": ["a"]}]})
    assert not faults({"reasons": [{"code": "x", "text": "t", "extra": [1]}], "cc": []})


def _get(served, secret, path, n):
    code, answer = request(served.port, path, b"", signed(secret, f"get-{n}-{path}", b""), method="GET")
    assert code == 200, answer
    return answer


def test_a_full_scenario_has_no_null_list_and_one_reason_shape(app, served):
    secret = add_host(app, decisions=True, allow_origins=())
    cb = CallbackHost(secret)
    with app.app_context():
        hosts.set_callback_url("oa1", cb.url)
        db.session.commit()
    hosts.forget_signers()
    answers = []
    events = [
        ("document.issued", {"id": "D-file", "file_base64": b64(docx()), "file_name": "12号.docx",
                             "flags": {"important": True}}),
        ("document.issued", {"id": "D-meta", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"}),
        ("document.issued", {"id": "D-held", "issuer": "南部县教育局", "title": "关于校园安全检查的通知",
                             "secrecy": "秘密", "flags": {"important": True}}),
        ("document.issued", {"id": "D-unmatched", "issuer": "南部县不存在局", "title": "关于植树的通知"}),
        ("document.issued", {"id": "D-att", "issuer": "南部县教育局", "title": "关于召开全县教育工作会议的通知",
                             "main_recipients": ["各乡镇人民政府"], "flags": {"important": True},
                             "attachments": [{"name": "附件1.docx", "data_base64": b64(docx())}]}),
        ("document.drafted", {"id": "D-draft", "issuer": "南部县自然资源和规划局", "flags": {"major": True},
                              "title": "关于城市总体规划修编的意见（征求意见稿）"}),
        ("submission.received", {"id": "S-1", "committee": "提案委员会", "unit": "南部县教育局", "kind": "提案",
                                 "title": "关于学校安全的提案", "received": "2026-11-01", "cohandlers": ["县卫健局"]}),
        ("meeting.scheduled", {"id": "M-1", "unit": "南部县教育局", "title": "全县教育工作会议",
                               "held_on": "2026-12-10"}),
    ]
    ids = []
    for n, (type_, data) in enumerate(events):
        code, answer = post_event(served.port, secret, type_, data, event_id=f"ev-{n}")
        assert code == 202, answer
        answers.append(answer)
        ids.append(answer["id"])
    done = [wait_for(lambda i=i: (a := _get(served, secret, f"/api/v1/events/{i}", "st"))["status"] == "processed"
                     and a) for i in ids]
    answers += done
    offered = wait_for(lambda: next((r["event"] for r in cb.received if r["event"]["type"] == "liaison.copy"
                                     and r["event"]["data"].get("kind") == "consultation"), None))
    code, answer = post_event(served.port, secret, "consultation.answered",
                              {"consultation_id": offered["data"]["consultation_id"], "opinion": "同意",
                               "position": "同意"}, event_id="ev-answer")
    assert code == 202
    answers.append(wait_for(lambda: (a := _get(served, secret, f"/api/v1/events/{answer['id']}", "st2"))
                            ["status"] == "processed" and a))
    for data in ({"id": "P-1", "issuer": "南部县教育局", "title": "关于做好寒假安全工作的通知"},
                 {"id": "P-2", "file_base64": b64(docx()), "file_name": "x.docx"},
                 {"id": "P-3", "issuer": "南部县不存在局"}):
        body = cloud_event("document.issued", data, event_id=f"pv-{data['id']}")
        code, preview = request(served.port, "/api/v1/preview", body, signed(secret, f"pv-{data['id']}", body))
        assert code == 200, preview
        answers.append(preview)
    answers += [_get(served, secret, "/api/v1/committees", 1), _get(served, secret, "/api/v1/units", 1)]

    def every_callback():
        with app.app_context():
            outbox.deliver_due(app.extensions["oa_liaison"])
            db.session.remove()
        kinds = {r["event"]["type"] for r in cb.received}
        decided = {r["event"]["data"]["document_id"] for r in cb.received if r["event"]["type"] == "liaison.decision"}
        return kinds >= {"liaison.copy", "liaison.notification", "liaison.decision", "liaison.consultation"} \
            and decided >= {"D-file", "D-meta", "D-held", "D-unmatched", "D-att"}
    wait_for(every_callback)
    callbacks = [r["event"] for r in cb.received]
    assert not cb.bad
    found = faults(answers, "answers") + faults(callbacks, "callbacks")
    assert not found, "\n".join(found)
    # the reasons really were walked: rule hits, holds and the unmatched issuer are all among them
    codes = {r["code"] for e in callbacks if e["type"] == "liaison.decision" for r in e["data"]["reasons"]}
    assert {"hold", "unmatched", "qualified"} <= codes and any(c.startswith("rule:") for c in codes), codes
    cb.close()
