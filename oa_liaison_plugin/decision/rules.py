"""Content rules as data: validate them, compile once (an Aho-Corasick automaton per field), evaluate per document."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Iterable

import ahocorasick_rs
import regex

from ..errors import InputError
from ..wording import regex_error
from .normalize import as_written, normalize, visible

FIELDS = ("title", "body", "doc_type", "recipients", "issuer")
ACTIONS = ("npc", "important", "exclude", "major", "committee", "hold")
MATCHES = ("any", "all", "exact", "regex")
KEYS = {"id", "name", "action", "match", "terms", "pattern", "fields", "negate", "committee",
        "enabled", "order", "note"}
MAX_PATTERN = 500
_CONTROL = regex.compile(r"[\x00-\x1f\x7f]")
MAX_TERM = 100
MAX_MATCHED = 50
REGEX_FLAGS = regex.IGNORECASE  # fields are lowercased by normalize(); let "ABC" in a pattern still match
TRIAL_TIMEOUT = 0.05  # seconds per trial search when validating a pattern
_TRIAL_LEN = 5000     # the size of a long issued document


def _refused(rule_id: str | None, field: str | None, problem: str) -> InputError:
    """An invalid rule: InputError naming the rule (``where``), the field (a path such as "terms[2]") and why."""
    return InputError(field, problem, where=f"规则 {rule_id or '（无编号）'}")


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    name: str
    action: str
    committee: str | None
    field: str | None          # where it matched; None for negated hits and "all" spread over fields
    matched: tuple[str, ...]   # the rule's terms that occurred, or the regex match text (each ≤ 50 chars)


class Evaluation(list):
    """The hits of one evaluate() call, in rule order, plus `warnings` (e.g. regex timeouts)."""

    def __init__(self, hits=(), warnings=()):
        super().__init__(hits)
        self.warnings: list[str] = list(warnings)


def key(text: str) -> str:
    """How terms and fields are compared (any/all/exact): normalize(), then every space removed.

    Spaced-out CJK ("通  知", "人 大 常 委 会", "内部资料, 注意保密") is common in issued documents, and CJK
    has no word boundaries for spaces to protect. Regex patterns see normalize() text with spaces kept.
    """
    return normalize(text).replace(" ", "")


def fold_pattern(pattern: str) -> str:
    """Fold a pattern's non-ASCII literals the way normalize() folds text, escaped: "（" -> "\\(", "Ａ" -> "a".

    Patterns run on normalised text, so without this a full-width "（" in a pattern could never match.
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(_fold_char(nxt) if ord(nxt) > 127 else c + nxt)
            i += 2
            continue
        out.append(_fold_char(c) if ord(c) > 127 else c)
        i += 1
    return "".join(out)


def _fold_char(c: str) -> str:
    folded = " " if c.isspace() else normalize(c)
    return c if folded == c else regex.escape(folded)


def _trial_texts(compiled_pattern: str) -> list[str]:
    chars = list(dict.fromkeys(c for c in compiled_pattern if c.isalnum()))[:8]
    chars += [c for c in ("a", "1", " ", "人") if c not in chars]
    texts = [c * _TRIAL_LEN + "!" for c in chars]
    lit = "".join(chars[:8])
    texts.append((lit * (_TRIAL_LEN // len(lit) + 1))[:_TRIAL_LEN] + "!")
    texts.append(" ".join(["a1人"] * (_TRIAL_LEN // 4)) + "!")
    return texts


def validate_rule(rule: dict, *, trial: bool = True) -> dict:
    """Check one rule and return a cleaned copy; raise InputError naming the rule, the field and the problem."""
    if not isinstance(rule, dict):
        raise _refused(None, None, "规则必须是对象（键值对）")
    rid = rule.get("id")
    if not isinstance(rid, str) or not visible(rid) or _CONTROL.search(rid):
        raise _refused(None, "id", "id 必须是非空字符串，且不含控制字符")
    rid = rid.strip()
    if len(rid) > 64:
        raise _refused(rid, "id", "id 不能超过 64 个字符")

    def fail(field, problem):
        raise _refused(rid, field, problem)

    unknown = sorted(set(rule) - KEYS)
    if unknown:
        fail(unknown[0], f"未知的键：{'、'.join(unknown)}（可用：{'/'.join(sorted(KEYS))}）")
    name = rule.get("name", rid)
    if not isinstance(name, str) or not visible(name):
        fail("name", "name 必须是非空字符串（不能只有空白或不可见字符）")
    if _CONTROL.search(name):  # it is shown in the panel and sent to the host in every reason
        fail("name", "name 不能含控制字符")
    action = rule.get("action")
    if action not in ACTIONS:
        fail("action", f"action 必须是 {'/'.join(ACTIONS)}（收到 {action!r}）")
    match = rule.get("match", "any")
    if match not in MATCHES:
        fail("match", f"match 必须是 {'/'.join(MATCHES)}（收到 {match!r}）")
    fields = rule.get("fields", ["title", "body"])
    if not isinstance(fields, list) or not fields:
        fail("fields", "fields 必须是非空列表")
    for i, f in enumerate(fields):
        if f not in FIELDS:
            fail(f"fields[{i}]", f"未知的字段 {f!r}（可用：{'/'.join(FIELDS)}）")
    for flag in ("negate", "enabled"):
        if flag in rule and not isinstance(rule[flag], bool):
            fail(flag, f"{flag} 必须是 true 或 false")
    order = rule.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        fail("order", "order 必须是整数")
    note = rule.get("note", "")
    if not isinstance(note, str):
        fail("note", "note 必须是字符串")
    committee = rule.get("committee")
    if action == "committee":
        if not isinstance(committee, str) or not committee.strip():
            fail("committee", "action 为 committee 时必须填写 committee（专门委员会名称）")
    elif committee not in (None, ""):
        fail("committee", "只有 action 为 committee 的规则才能指定 committee")

    clean = {"id": rid, "name": name.strip(), "action": action, "match": match,
             "fields": list(dict.fromkeys(fields)), "negate": rule.get("negate", False),
             "enabled": rule.get("enabled", True), "note": note}
    if action == "committee":
        clean["committee"] = committee.strip()
    if order is not None:
        clean["order"] = order
    if match == "regex":
        clean["pattern"] = _check_pattern(rule.get("pattern"), fail, trial)
    else:
        clean["terms"] = _check_terms(rule.get("terms"), match, fail)
    return clean


def _check_terms(terms, match, fail) -> list[str]:
    if not isinstance(terms, list) or not terms:
        fail("terms", f"match 为 {match} 时 terms 必须是非空的字符串列表")
    seen: dict[str, str] = {}
    for i, t in enumerate(terms):
        if not isinstance(t, str):
            fail(f"terms[{i}]", f"terms[{i}] 必须是字符串")
        if not key(t):
            fail(f"terms[{i}]", f"terms[{i}] 为空（规范化后无内容）")
        if len(t.strip()) > MAX_TERM:
            fail(f"terms[{i}]", f"terms[{i}] 超过 {MAX_TERM} 个字符")
        seen.setdefault(key(t), t.strip())
    return list(seen.values())


class PatternError(ValueError):
    """A regular expression that must not be used; the message (Chinese) says why."""


def compile_pattern(pattern: str, flags: int = 0, *, trial: bool = True):
    """Compile a person's regex with `regex`, refusing invalid, empty-matching and catastrophic ones.

    Used for content rules and the table's name patterns alike; matches against them are then bounded
    by a timeout (``search(..., timeout=…)``), since no trial proves a pattern safe on every text.
    """
    try:
        compiled = regex.compile(pattern, flags)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise PatternError(regex_error(exc)) from None
    if compiled.search("") is not None:
        raise PatternError("正则表达式可匹配空文本，会命中所有文件")
    for text in _trial_texts(compiled.pattern) if trial else ():
        try:
            compiled.search(text, timeout=TRIAL_TIMEOUT)
        except TimeoutError:
            raise PatternError(f"正则表达式在 {_TRIAL_LEN} 字的试验文本上超时（可能出现灾难性回溯），请改写") from None
    return compiled


def _check_pattern(pattern, fail, trial: bool = True) -> str:
    if not isinstance(pattern, str) or not pattern.strip():
        fail("pattern", "match 为 regex 时必须填写 pattern（正则表达式）")
    if len(pattern) > MAX_PATTERN:
        fail("pattern", f"正则表达式超过 {MAX_PATTERN} 个字符")
    try:
        compile_pattern(fold_pattern(pattern), REGEX_FLAGS, trial=trial)
    except PatternError as exc:
        fail("pattern", str(exc))
    return pattern


@dataclass(frozen=True)
class _Rule:
    rank: int
    rule_id: str
    name: str
    action: str
    committee: str | None
    match: str
    fields: tuple[str, ...]
    negate: bool
    terms: tuple[str, ...]   # as written (cleaned), truncated for reporting
    ids: tuple[int, ...]     # automaton term ids (any/all) — aligned with terms
    idset: frozenset         # set(ids)
    keys: tuple[str, ...]    # exact keys (exact) — aligned with terms
    pattern: object | None   # compiled regex (regex)
    full: dict               # where -> the hit when every term occurred (reused, never rebuilt)


class RuleSet:
    """Compiled rules. evaluate() is thread-safe; `warnings` is the last evaluate() of this thread."""

    _CACHE_MAX = 100_000  # RuleHit objects kept for reuse (same rule, field and matched terms)

    def __init__(self):
        raise TypeError("use RuleSet.compile(rules)")

    @classmethod
    def compile(cls, rules: Iterable[dict], *, trial: bool = True, regex_timeout: float = 0.05,
                regex_budget: float = 0.5) -> "RuleSet":
        """Validate every rule and build the matcher once; disabled rules are skipped.

        Hits come back sorted by `order` (default: the rule's position in `rules`), ties by position.
        regex_timeout bounds one regex rule on one document; regex_budget bounds all of them together.
        """
        self = object.__new__(cls)
        self.regex_timeout, self.regex_budget = regex_timeout, regex_budget
        self._local = threading.local()
        self._hits: dict[tuple, RuleHit] = {}
        cleaned, seen = [], set()
        for pos, raw in enumerate(rules):
            rule = validate_rule(raw, trial=trial)
            if rule["id"] in seen:
                raise _refused(rule["id"], "id", "编号重复")
            seen.add(rule["id"])
            cleaned.append((rule.get("order", pos), pos, rule))
        cleaned.sort(key=lambda t: (t[0], t[1]))
        self.rules = tuple(r for _, _, r in cleaned if r["enabled"])

        term_ids: dict[str, int] = {}
        self._compiled: list[_Rule] = []
        self._ac_map = {f: {} for f in FIELDS}       # field -> term id -> [rank] (any/all rules)
        self._exact_map = {f: {} for f in FIELDS}    # field -> exact key -> [rank]
        self._regex: list[_Rule] = []
        self._negated_hits: list[tuple[int, RuleHit]] = []
        for rank, r in enumerate(self.rules):
            terms = tuple(t[:MAX_MATCHED] for t in r.get("terms", ()))
            tids, keys, pattern = (), (), None
            if r["match"] in ("any", "all"):
                tids = tuple(term_ids.setdefault(key(t), len(term_ids)) for t in r["terms"])
            elif r["match"] == "exact":
                keys = tuple(key(t) for t in r["terms"])
            else:
                pattern = regex.compile(fold_pattern(r["pattern"]), REGEX_FLAGS)
            c = _Rule(rank, r["id"], r["name"], r["action"], r.get("committee"), r["match"],
                      tuple(r["fields"]), r["negate"], terms, tids, frozenset(tids), keys, pattern, {})
            if not c.negate and r["match"] != "regex":
                for where in (*c.fields, None):
                    c.full[where] = RuleHit(c.rule_id, c.name, c.action, c.committee, where, terms)
            self._compiled.append(c)
            for f in c.fields:
                if c.match in ("any", "all"):
                    for tid in c.idset:
                        self._ac_map[f].setdefault(tid, []).append(rank)
                elif c.match == "exact":
                    for k in set(keys):
                        self._exact_map[f].setdefault(k, []).append(rank)
            if c.match == "regex":
                self._regex.append(c)
            if c.negate:
                self._negated_hits.append((rank, RuleHit(c.rule_id, c.name, c.action, c.committee, None, ())))
        # One automaton per field, holding only the terms of the rules that read that field: the body is
        # long and most rules read only the title. Rust's aho-corasick (ripgrep's) over UTF-8, where
        # pyahocorasick searched the root's children linearly (hundreds of first characters in Chinese).
        # UTF-8 is self-synchronising, so a term only matches on character boundaries; surrogatepass
        # keeps stray surrogates from raising.
        by_id = list(term_ids)   # term id -> key
        self._automata: dict[str, tuple[object, list[int]]] = {}
        for f in FIELDS:
            tids = sorted(self._ac_map[f])
            if tids:   # automaton pattern index -> term id
                self._automata[f] = (ahocorasick_rs.BytesAhoCorasick([_utf8(by_id[t]) for t in tids]), tids)
        self._exact_fields = tuple(f for f in FIELDS if self._exact_map[f])
        return self

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def warnings(self) -> list[str]:
        """Warnings of the last evaluate() in the calling thread (evaluate()'s result carries them too)."""
        return list(getattr(self._local, "warnings", ()))

    def _hit(self, c: _Rule, where: str | None, matched: tuple[str, ...]) -> RuleHit:
        if len(matched) == len(c.terms):
            return c.full[where]
        ck = (c.rank, where, matched)
        hit = self._hits.get(ck)
        if hit is None:
            if len(self._hits) >= self._CACHE_MAX:
                self._hits.clear()
            hit = self._hits[ck] = RuleHit(c.rule_id, c.name, c.action, c.committee, where, matched)
        return hit

    def evaluate(self, fields: dict) -> Evaluation:
        """Hits for one document's fields (title, body, doc_type, recipients list, issuer), in rule order."""
        rules = self._compiled
        texts: dict[str, str] = {}  # normalised once per field, shared by the automaton and regex passes

        def text_of(f: str) -> str:
            t = texts.get(f)
            if t is None:
                t = texts[f] = _text(fields.get(f))
            return t

        matched: dict[int, RuleHit | None] = {}  # rank -> hit, or None: occurred but negated / undetermined
        warnings: list[str] = []

        # any / all: one automaton pass per field, then resolve only the rules those terms touch
        if self._automata:
            found: dict[str, set[int]] = {}
            touched: set[int] = set()
            for f, (automaton, tids) in self._automata.items():
                text = text_of(f).replace(" ", "")
                found[f] = ids = {tids[i] for i, _, _ in automaton.find_matches_as_indexes(
                    _utf8(text), overlapping=True)} if text else set()
                amap = self._ac_map[f]
                for tid in ids:
                    touched.update(amap[tid])
            unions: dict[tuple, set[int]] = {}
            for rank in touched:
                c = rules[rank]
                fs = c.fields
                if len(fs) == 1:
                    u = found[fs[0]]
                else:
                    u = unions.get(fs)
                    if u is None:
                        u = unions[fs] = set().union(*(found[f] for f in fs))
                if c.match == "all" and not c.idset <= u:
                    continue
                if c.negate:
                    matched[rank] = None
                    continue
                if len(fs) == 1:
                    where = fs[0]
                elif c.match == "any":
                    where = next(f for f in fs if not c.idset.isdisjoint(found[f]))
                else:
                    where = next((f for f in fs if c.idset <= found[f]), None)
                if c.match == "all" or len(c.ids) == 1:
                    matched[rank] = c.full[where]
                else:
                    terms = tuple(t for t, tid in zip(c.terms, c.ids) if tid in u)
                    matched[rank] = self._hit(c, where, terms)

        # exact: dictionary look-ups of each field's value(s)
        if self._exact_fields:
            values = {f: _values(fields.get(f)) for f in self._exact_fields}
            touched = set()
            for f, vals in values.items():
                emap = self._exact_map[f]
                for v in vals:
                    touched.update(emap.get(v, ()))
            for rank in touched:
                c = rules[rank]
                if c.negate:
                    matched[rank] = None
                    continue
                sets = [values[f] for f in c.fields if f in values]
                where = next(f for f in c.fields if f in values and not values[f].isdisjoint(c.keys))
                terms = tuple(t for t, k in zip(c.terms, c.keys) if any(k in s for s in sets))
                matched[rank] = self._hit(c, where, terms)

        # regex: each rule bounded by a timeout, all of them together by a budget
        if self._regex:
            deadline = time.monotonic() + self.regex_budget
            for c in self._regex:
                left = deadline - time.monotonic()
                if left <= 0:
                    warnings.append(f"规则“{c.name}”：正则规则总时限 {self.regex_budget:g} 秒已用完，"
                                    f"本规则未执行，结果不计")
                    matched[c.rank] = None
                    continue
                stop = time.monotonic() + min(self.regex_timeout, left)  # one bound, all fields
                try:
                    for f in c.fields:
                        m = c.pattern.search(text_of(f), timeout=max(stop - time.monotonic(), 1e-6))
                        if m:
                            written = fields.get(f)
                            quoted = as_written(written, *m.span()) if isinstance(written, str) else m.group(0)
                            matched[c.rank] = None if c.negate else RuleHit(
                                c.rule_id, c.name, c.action, c.committee, f, (quoted[:MAX_MATCHED],))
                            break
                except TimeoutError:
                    warnings.append(f"规则“{c.name}”：正则匹配超时（>{self.regex_timeout:g} 秒），"
                                    f"本规则对此文件不计")
                    matched[c.rank] = None  # undetermined: neither a hit nor a negated hit

        hits = [(rank, h) for rank, h in matched.items() if h is not None]
        hits += [(rank, h) for rank, h in self._negated_hits if rank not in matched]
        hits.sort(key=lambda t: t[0])
        self._local.warnings = warnings
        return Evaluation((h for _, h in hits), warnings)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _text(value) -> str:
    """A field as one normalised string; list items are joined by a newline no term can contain."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(normalize(str(v)) for v in value if v is not None)
    return normalize(str(value))


def _values(value) -> set[str]:
    """A field's exact keys: one per list item, or the whole string."""
    if value is None:
        return set()
    if isinstance(value, (list, tuple)):
        return {key(str(v)) for v in value if v is not None}
    return {key(str(value))}
