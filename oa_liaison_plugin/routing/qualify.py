"""Qualification: does an issued document get copied, to which committees, and why (a pure function)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..documents.secrecy import NOT_CLASSIFIED
from .normalize import normalize

# Legal line (notice 三(五), 条例): a document with any 密级 is never copied automatically.
# Anything in the secrecy field that is not plainly "not classified" (NOT_CLASSIFIED) counts as classified.
_SECRECY_MARK = re.compile(r"(绝密|机密|秘密|絕密|機密)\s*[★*☆]|^\s*(绝密|机密|秘密|絕密|機密)\s*$|[★☆]\s*(\d+年|长期)",
                           re.MULTILINE)
_RESTRICTED_NOTE = re.compile(
    r"不公开|不予公开|不得公开|不宜公开|不对外公开|内部(资料|文件|使用|掌握|传阅|发行)|注意保密|"
    r"不得(翻印|转发|外传|扩散|复制|转载)|请勿(外传|公开|转发)|仅限|限.{0,12}(范围|阅读|传达|知悉)")
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


def secrecy_hold(facts: dict) -> str | None:
    """Why a document must be held as classified or restricted, or None."""
    secrecy = (facts.get("secrecy") or "").strip()
    if normalize(secrecy) not in NOT_CLASSIFIED:
        period = facts.get("secrecy_period")
        return f"密级文件（{secrecy}{'★' + period if period and '★' not in secrecy else ''}）不自动抄送，须由专人决定"
    head = "\n".join(filter(None, [facts.get("copy_number"), facts.get("title"), (facts.get("body") or "")[:600]]))
    m = _SECRECY_MARK.search(head)
    if m:
        return f"文件含密级标志“{m.group(0).strip()}”，不自动抄送，须由专人决定"
    note = facts.get("note") or ""
    m = _RESTRICTED_NOTE.search(note)
    if m:
        return f"附注限制传阅（“{note.strip()[:40]}”），不自动抄送，须由专人决定"
    return None


def _union(*groups) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return list(seen)


def qualify(facts: dict, *, issuer, flags: dict, hits: list, signals: list[dict] = (),
            issuer_committee: str | None = None, committee_units=None, extra_recipients=None,
            known_committees: set[str] | None = None) -> Verdict:
    """Decide for one document.

    Precedence: a hold (密级, restricting 附注, a hold rule or signal) beats everything; an unknown
    issuer is held as unmatched; host flags beat exclusion rules; exclusion rules beat content
    rules. Committees: the issuer's counterpart committee first, then topic-rule committees in
    rule order, then plugins' extra recipients — a union without duplicates.
    """
    reasons: list[dict] = []
    for h in hits:
        reasons.append({"code": f"rule:{h.action}", "rule": h.rule_id, "name": h.name, "field": h.field,
                        "matched": list(h.matched), "committee": h.committee,
                        "text": f"规则“{h.name}”命中{_where(h)}"})
    for s in signals:
        reasons.append({"code": f"signal:{s.get('action')}", "text": str(s.get("reason", ""))[:500]})
    actions = {h.action for h in hits} | {s.get("action") for s in signals}

    hold = secrecy_hold(facts)
    if hold is None and "hold" in actions:
        first = next((r for r in reasons if r["code"] in ("rule:hold", "signal:hold")), None)
        hold = f"按规则暂存待人工决定：{first['text']}" if first else "按规则暂存待人工决定"
    if hold:
        reasons.insert(0, {"code": "hold", "text": hold})
        return Verdict(status="held", held=True, hold_reason=hold, reasons=reasons)

    if issuer_committee:  # reverse flow (三(五) last clause): a committee's report goes to its units
        if _REPORT_TITLE.search(facts.get("title") or "") or flags.get("important"):
            units = list(committee_units(issuer_committee)) if committee_units else []
            reasons.insert(0, {"code": "reverse", "text": f"{issuer_committee}形成的调研报告、重要资料送对口部门参阅"
                                                           f"（{len(units)} 个单位）"})
            return Verdict(status="routed", qualified=True, units=units, reasons=reasons)
        reasons.insert(0, {"code": "not_qualified", "text": f"{issuer_committee}发文，非调研报告或重要资料，不送对口部门"})
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
    reasons.append({"code": "counterpart", "text": f"发文单位“{issuer.unit}”对口{issuer.committee}",
                    "committee": issuer.committee})
    topic = [h.committee for h in hits if h.action == "committee" and h.committee]
    extra = list(extra_recipients(_union([issuer.committee], topic))) if extra_recipients else []
    for name in extra:
        if known_committees is not None and name not in known_committees:
            reasons.append({"code": "extra_unknown", "text": f"插件提出的委员会“{name}”不存在，已忽略"})
        else:
            reasons.append({"code": "extra", "text": f"插件增加抄送：{name}", "committee": name})
    if known_committees is not None:
        extra = [n for n in extra if n in known_committees]
    committees = _union([issuer.committee], topic, extra)
    consult = list(committees) if major else []
    if major:
        reasons.append({"code": "consultation", "text": "重大事项，向相关专门委员会征求意见"})
    return Verdict(status="routed", qualified=True, committees=committees, consultation_committees=consult,
                   reasons=reasons)


_FLAG_TEXT = {"npc": "提请人大常委会审议", "major": "重大事项", "important": "重要文件"}


def _where(hit) -> str:
    field_name = {"title": "标题", "body": "正文", "doc_type": "文种", "recipients": "主送/抄送",
                  "issuer": "发文单位"}.get(hit.field or "", hit.field or "")
    matched = "、".join(hit.matched)[:60] if hit.matched else ""
    if not field_name:
        return f"（{matched}）" if matched else ""
    return f"：{field_name}含“{matched}”" if matched else f"：{field_name}"
