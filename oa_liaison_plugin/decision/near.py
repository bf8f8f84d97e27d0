"""Near misses: the rules a document almost matched, and the terms that came closest (for the rule tester)."""
from __future__ import annotations

import json
from difflib import SequenceMatcher
from importlib import resources

from .rules import key

QUALIFYING = ("npc", "important", "major", "committee")
GENERIC = frozenset(key(w) for w in json.loads(
    resources.files("oa_liaison_plugin").joinpath("data/near_miss.json").read_text("utf-8"))["generic"])
FIELD_NAMES = {"title": "标题", "body": "正文", "doc_type": "文种", "recipients": "主送/抄送", "issuer": "发文单位"}


def _common(term: str, text: str) -> str:
    """The longest run of ``term`` that stands in ``text``."""
    m = SequenceMatcher(None, term, text, autojunk=False).find_longest_match(0, len(term), 0, len(text))
    return term[m.a:m.a + m.size]


def near_misses(rules: list[dict], fields: dict, hit_ids, *, limit: int = 5) -> list[dict]:
    """Rules that qualify or route documents and did not hit, whose terms half stand in the document.

    For an ``any`` rule a term counts when at least half of it (two characters or more) stands in
    the field, e.g. 整治方案 against the term 实施方案 (方案); for an ``all`` rule, when some of its terms
    matched and the others did not. Best first; regex rules are not guessed at.
    """
    texts = {name: key(" ".join(v) if isinstance(v, (list, tuple)) else str(v or "")) for name, v in fields.items()}
    found = []
    for rule in rules:
        if not rule.get("enabled", True) or rule.get("action") not in QUALIFYING or rule.get("id") in hit_ids:
            continue
        if rule.get("match") not in ("any", "all") or rule.get("negate"):
            continue
        for name in rule.get("fields", []):
            text = texts.get(name, "")
            if not text:
                continue
            terms = [(t, key(t)) for t in rule.get("terms", [])]
            if rule["match"] == "all":
                have = [t for t, f in terms if f in text]
                missing = [t for t, f in terms if f not in text]
                if have and missing and not all(key(t) in GENERIC for t in have):
                    found.append(_miss(rule, name, len(have) / len(terms), missing[0], "、".join(have), missing))
                continue
            best = None
            for term, folded in terms:
                common = _common(folded, text)
                score = len(common) / max(len(folded), 1)
                if len(common) >= 2 and score >= 0.5 and common not in GENERIC and (best is None or score > best[0]):
                    best = (score, term, common)
            if best:
                found.append(_miss(rule, name, best[0], best[1], best[2], []))
    found.sort(key=lambda m: -m["score"])
    return found[:limit]


def _miss(rule, field, score, term, common, missing) -> dict:
    return {"rule": rule["id"], "name": rule.get("name", rule["id"]), "action": rule["action"],
            "committee": rule.get("committee"), "field": FIELD_NAMES.get(field, field), "term": term,
            "common": common, "missing": missing, "score": round(score, 2)}
