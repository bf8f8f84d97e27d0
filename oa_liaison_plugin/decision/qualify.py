"""Qualification: a pure function of one gathered Case — is the document copied, to which committees, and why."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..documents.secrecy import PLACES as _WHERE, level_of, restricting_note

_REPORT_TITLE = re.compile(r"调研报告|调查报告|视察报告|考察报告|重要资料|专题报告")


@dataclass
class Verdict:
    """The outcome for one document, with every reason (each a dict with code and Chinese text)."""
    status: str  # routed | not_qualified | held | unmatched
    qualified: bool = False
    held: bool = False
    hold_reason: str | None = None
    committees: list[str] = field(default_factory=list)
    consultation_committees: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # reverse flow: a committee's report to its units
    reasons: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"qualified": self.qualified, "held": self.held, "hold_reason": self.hold_reason,
                "committees": self.committees, "consultation_committees": self.consultation_committees,
                "reasons": self.reasons, "status": self.status, "units": self.units}


def holds(case) -> list[str]:
    """Every reason the document must wait for a person, strongest first (empty: no hold).

    Stricter wins: the 密级 is the most restrictive of what the host says and what any part of the
    file says, and a restricting 附注 from either holds. A file that cannot be read may hide a mark,
    and a failing plugin may have meant to hold: both hold too.
    """
    out = []
    if case.read_error:
        out.append(f"文件无法读取（{case.read_error['message']}），须人工核对后再分送")
    for a in case.attachments:
        if a.get("error"):
            out.append(f"{a['label']}无法读取（{a['error']['message']}），可能标有密级，须人工核对后再分送")
    if case.no_file and case.require_file:
        out.append("未附正文文件，无法核对文件中的密级标志（本系统要求主办系统附正文文件），须人工核对后再分送")
    secrecy = _secrecy_hold(case)
    if secrecy:
        out.append(secrecy)
    for note in dict.fromkeys(filter(None, (case.host.get("note"), case.file_note, case.facts.get("note")))):
        phrase = restricting_note(note)
        if phrase:
            out.append(f"附注限制传阅（“{note.strip()[:40]}”），不自动抄送，须由专人决定")
            break
    for error in case.plugin_errors:
        out.append(f"{error['text']}；为免漏判，暂存待人工决定")
    return out


def _secrecy_hold(case) -> str | None:
    level = case.facts.get("secrecy")
    if not level:
        return None
    said = (case.host.get("secrecy") or "").strip()
    host_level = level_of(said)
    mark = next((m for m in case.marks if m.level == level), None)
    if mark is None or (host_level == level and not case.marks):
        period = case.facts.get("secrecy_period")
        return f"密级文件（{said or level}{'★' + period if period and '★' not in said else ''}）不自动抄送，须由专人决定"
    where = (mark.source or "文件") + _WHERE.get(mark.where, mark.where)
    if said and host_level != level:
        return (f"密级文件：主办系统标注密级“{said}”，{where}标有“{mark.text}”，从严按{level}处理，"
                f"不自动抄送，须由专人决定")
    return f"密级文件（{where}标有“{mark.text}”），不自动抄送，须由专人决定"


def _union(*groups) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return list(seen)


def qualify(case) -> Verdict:
    """Decide for one gathered :class:`~oa_liaison_plugin.decision.decide.Case`; reads nothing else.

    Precedence: a hold (unreadable file, 密级 — stricter of host and file —, restricting 附注, a failing
    plugin, a hold rule or signal) beats everything; an unknown issuer is held as unmatched; host
    flags beat exclusion rules; exclusion rules beat content rules. Committees: the issuer's
    counterpart committee first, then topic-rule committees in rule order, then plugins' extra
    recipients — a union without duplicates.
    """
    facts, flags, hits, signals, issuer = case.facts, case.flags, case.hits, case.signals, case.issuer
    reasons: list[dict] = []
    for h in hits:
        # The one Reason shape: ``matched`` a text (as the reason reads it), the terms themselves in ``terms``;
        # an optional key without a value is left out, never null.
        reasons.append({"code": f"rule:{h.action}", "rule": h.rule_id, "name": h.name,
                        **({"field": h.field} if h.field else {}), "matched": "、".join(h.matched),
                        "terms": list(h.matched), **({"committee": h.committee} if h.committee else {}),
                        "text": f"规则“{h.name}”命中{_where(h)}"})
    for s in signals:
        said = str(s.get("reason") or "").strip()[:500]
        reasons.append({"code": f"signal:{s.get('action')}",
                        "text": said or f"插件建议：{_SIGNAL_TEXT.get(s.get('action'), str(s.get('action')))}（未说明原因）"})
    for w in getattr(hits, "warnings", ()):
        reasons.append({"code": "rule_warning", "text": str(w)})
    actions = {h.action for h in hits} | {s.get("action") for s in signals}

    if case.no_file and not case.require_file:
        said = (case.host.get("secrecy") or "").strip() or "无"
        reasons.append({"code": "no_file", "text": f"未附正文文件，密级以主办系统标注“{said}”为准"
                                                   f"{'（及其所给正文文本）' if case.facts.get('body') else ''}"})
    found = holds(case)
    if not found and "hold" in actions:
        first = next((r for r in reasons if r["code"] in ("rule:hold", "signal:hold")), None)
        found = [f"按规则暂存待人工决定：{first['text']}" if first else "按规则暂存待人工决定"]
    if found:
        reasons[:0] = [{"code": "hold", "text": text} for text in found]
        return Verdict(status="held", held=True, hold_reason=found[0], reasons=reasons)

    if case.issuer_committee:  # reverse flow (三(五) last clause): a committee's report goes to its units
        committee = case.issuer_committee
        if _REPORT_TITLE.search(facts.get("title") or "") or flags.get("important"):
            units = list(case.committee_units)
            reasons.insert(0, {"code": "reverse", "text": f"{committee}形成的调研报告、重要资料送对口部门参阅"
                                                           f"（{len(units)} 个单位）"})
            return Verdict(status="routed", qualified=True, units=units, reasons=reasons)
        reasons.insert(0, {"code": "not_qualified", "text": f"{committee}发文，非调研报告或重要资料，不送对口部门"})
        return Verdict(status="not_qualified", reasons=reasons)

    if issuer is None or not issuer.resolved:
        name = getattr(issuer, "input", None) or "（空）"
        hint = f"；相近：{'、'.join(issuer.suggestions)}" if issuer is not None and issuer.suggestions else ""
        text = f"发文单位“{name}”不在对口联系表中，待管理员映射后自动分送{hint}"
        reasons.insert(0, {"code": "unmatched", "text": text})
        return Verdict(status="unmatched", held=True, hold_reason=text, reasons=reasons)

    npc = bool(flags.get("npc")) or "npc" in actions
    major = bool(flags.get("major")) or "major" in actions
    important = bool(flags.get("important")) or "important" in actions
    for flag in ("npc", "major", "important"):
        if flags.get(flag):
            reasons.append({"code": f"flag:{flag}", "text": f"主办系统标记：{_FLAG_TEXT[flag]}"})
    forced = any(flags.get(f) for f in ("npc", "major", "important")) or npc
    if "exclude" in actions and not forced:
        reasons.insert(0, {"code": "not_qualified", "text": "属例行事务（排除规则命中），不抄送"})
        return Verdict(status="not_qualified", reasons=reasons)
    if not (npc or major or important):
        reasons.insert(0, {"code": "not_qualified", "text": "未命中提请审议、重要文件或重大事项的任何规则，不抄送"})
        return Verdict(status="not_qualified", reasons=reasons)

    why = "提请人大常委会审议的报告材料" if npc else "重大事项" if major else "重要文件"
    reasons.insert(0, {"code": "qualified", "text": f"{why}，抄送对口及相关专门委员会（南委办〔2017〕1号 三(五)）"})
    own = issuer.committees or [issuer.committee]
    for name in own:   # a unit formed by merging units keeps the counterpart committees of all of them
        reasons.append({"code": "counterpart", "text": f"发文单位“{issuer.unit}”对口{name}", "committee": name})
    topic = [h.committee for h in hits if h.action == "committee" and h.committee]
    extra = []
    for name in dict.fromkeys(case.extra):
        if name not in case.known_committees:
            reasons.append({"code": "extra_unknown", "text": f"插件提出的委员会“{name}”不存在，已忽略"})
        else:
            reasons.append({"code": "extra", "text": f"插件增加抄送：{name}", "committee": name})
            extra.append(name)
    committees = _union(own, topic, extra)
    consult = list(committees) if major else []
    if major:
        reasons.append({"code": "consultation", "text": "重大事项，向相关专门委员会征求意见"})
    return Verdict(status="routed", qualified=True, committees=committees, consultation_committees=consult,
                   reasons=reasons)


_FLAG_TEXT = {"npc": "提请人大常委会审议", "major": "重大事项", "important": "重要文件"}
_SIGNAL_TEXT = {**_FLAG_TEXT, "hold": "暂存待人工决定", "exclude": "不抄送"}


def _where(hit) -> str:
    field_name = {"title": "标题", "body": "正文", "doc_type": "文种", "recipients": "主送/抄送",
                  "issuer": "发文单位"}.get(hit.field or "", hit.field or "")
    matched = "、".join(hit.matched)[:60] if hit.matched else ""
    if not field_name:
        return f"（{matched}）" if matched else ""
    return f"：{field_name}含“{matched}”" if matched else f"：{field_name}"


def manual_verdict(committees: list[str], *, reason: str, user: str, previous_hold: str | None) -> Verdict:
    """A person's decision on a held document: copy to the chosen committees, or (none chosen) to no one.

    The only way a classified or restricted document reaches a committee; rules never overrule it.
    """
    who = f"管理员 {user}"
    text = f"{who} 人工决定分送{'、'.join(committees)}：{reason}" if committees else f"{who} 确认不分送：{reason}"
    reasons = [{"code": "manual", "text": text, "user": user, "reason": reason},
               *([{"code": "manual_hold", "text": f"原暂存原因：{previous_hold}"}] if previous_hold else [])]
    if committees:
        return Verdict(status="routed", qualified=True, committees=list(dict.fromkeys(committees)), reasons=reasons)
    return Verdict(status="not_qualified", reasons=reasons)
