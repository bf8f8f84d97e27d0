"""A liaison notice's committee lists -> a counterpart table, driven by data/notice_grammar.json."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..decision.normalize import name_key
from .file import FORMAT, canonical


class NoticeError(ValueError):
    """A notice that cannot be read or holds no committee list; the message says why, in Chinese."""


@dataclass(frozen=True)
class Grammar:
    """The compiled vocabulary of notice styles."""
    raw: dict
    width: dict
    head: re.Pattern
    section_end: re.Pattern
    rejects: tuple[re.Pattern, ...]
    open_groups: tuple[re.Pattern, ...]
    alias: tuple[re.Pattern, ...]
    former: tuple[re.Pattern, ...]
    inherit: tuple[tuple[re.Pattern, frozenset], ...]
    jurisdiction_names: tuple[re.Pattern, ...]
    document_number: re.Pattern
    cppcc: re.Pattern
    cjk: re.Pattern


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def compile_grammar(g: dict) -> Grammar:
    """Compile a grammar mapping (the shipped file's shape)."""
    w = g["width"]
    cppcc = "|".join(g["cppcc_prefixes"])
    # A head starts a line (or follows 。/；); one ending at the line's end with no separator
    # must carry a clause number, else a unit alone on a line ("…管理委员会") would read as a head.
    head = re.compile(
        rf"(?m)(?:^|(?<=[。；]))[ \t]*(?P<num>{g['clause_number']})?[ \t]*(?P<lead>{_alt(g['head_leads'])})?"
        rf"(?P<cppcc>{cppcc})?(?P<name>{g['committee_name']})(?P<tail>{_alt(g['head_tails'])})?[ \t]*"
        rf"(?:(?P<sep>{_alt(g['head_separators'])})|$)")
    return Grammar(
        raw=g, width=str.maketrans(w["from"], w["to"]), head=head,
        section_end=re.compile("(?m)" + "|".join(f"(?:{p})" for p in g["section_ends"])),
        rejects=tuple(re.compile(p) for p in g["committee_name_rejects"]),
        open_groups=tuple(re.compile(p) for p in g["open_groups"]),
        alias=tuple(re.compile(p) for p in g["bracket_names"]["alias"]),
        former=tuple(re.compile(p) for p in g["bracket_names"]["former"]),
        inherit=tuple((re.compile(r["after"]), frozenset(r["items"])) for r in g["inherit"]),
        jurisdiction_names=tuple(re.compile(p) for p in g["jurisdiction_names"]),
        document_number=re.compile(g["document_number"]),
        cppcc=re.compile(f"^(?:{cppcc})"), cjk=re.compile(r"[\u4e00-\u9fff]"))


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The shipped grammar."""
    text = resources.files("oa_liaison_plugin").joinpath("data/notice_grammar.json").read_text("utf-8")
    return compile_grammar(json.loads(text))


# ----------------------------------------------------------------------------- reading


def read_notice(data: bytes, filename: str = "", *, g: Grammar | None = None) -> str:
    """The notice's text from a .txt (UTF-8 or GB18030) or .docx file's bytes; NoticeError when unusable."""
    g = g or grammar()
    limit = g.raw["max_bytes"]
    if len(data) > limit:
        raise NoticeError(f"文件过大（{len(data) / 1e6:.1f} MB，上限 {limit / 1e6:.0f} MB）：通知正文不会这么长，请确认文件")
    if not data.strip():
        raise NoticeError("文件为空：没有可解析的通知正文")
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".docx"):
        from ..documents.read import DocumentReadError, read_docx
        try:
            return read_docx(data).body
        except DocumentReadError as exc:
            raise NoticeError(f"无法读取 .docx：{exc}") from None
    if b"\x00" in data[:65536]:
        raise NoticeError("不是文本文件：请上传 .txt（UTF-8 或 GB18030）或 .docx 格式的通知")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise NoticeError("无法识别文件编码：请保存为 UTF-8 或 GB18030 文本，或上传 .docx")
    if re.search(r"[\x00-\x08\x0e-\x1f]", text[:65536]):
        raise NoticeError("不是文本文件：含控制字符，请上传 .txt 或 .docx 格式的通知")
    return text


# ----------------------------------------------------------------------------- parsing


class _Result:
    def __init__(self, text: str):
        self.text = text
        self.warnings: list[dict] = []

    def line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def warn(self, text: str, pos: int, why: str, *, where: str = "", blocking: bool = False, kind: str = "unparsed"):
        loc = f"第 {self.line(pos)} 行" + (f"（{where}）" if where else "")
        self.warnings.append({"text": text, "where": loc, "why": why, "kind": kind, "blocking": blocking})


def _split(body: str, base: int, seps: str, op: str, cl: str) -> list[tuple[str, int]]:
    """Split at separators outside brackets, keeping each piece's offset."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == op:
            depth += 1
        elif ch == cl:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append((body[start:i], base + start))
            start = i + 1
    out.append((body[start:], base + start))
    return out


def _list_end(span: str, end_char: str, op: str, cl: str) -> int:
    depth = 0
    for i, ch in enumerate(span):
        if ch == op:
            depth += 1
        elif ch == cl:
            depth = max(0, depth - 1)
        elif ch == end_char and depth == 0:
            return i
    return -1


class _Committee:
    def __init__(self, name, section, pos):
        self.name, self.section, self.pos = name, section, pos
        self.units: list[dict] = []
        self.patterns: list[str] = []


def _is_group(g: Grammar, s: str) -> bool:
    return any(p.search(s) for p in g.open_groups)


def _unit_like(g: Grammar, s: str) -> bool:
    return s.endswith(tuple(g.raw["unit_suffixes"])) or s.endswith(g.raw["brackets"]["close"]) or _is_group(g, s)


def _parts(g: Grammar, s: str) -> list[tuple[str, bool]]:
    """An item -> [(text, is_open_group)], splitting 及/以及 and “…等各…” where both sides stand alone."""
    op = g.raw["brackets"]["open"]
    for c in g.raw["conjunctions"]:
        if s.startswith(c):
            s = s[len(c):]
    for c in g.raw["conjunctions"]:
        i = s.find(c)
        while i > 0:
            left, right = s[:i], s[i + len(c):]
            if op not in left[left.rfind(g.raw["brackets"]["close"]) + 1:] and right and \
                    _unit_like(g, left) and _unit_like(g, right):
                return _parts(g, left) + _parts(g, right)
            i = s.find(c, i + 1)
    i = s.find("等")
    while i > 0:
        right = s[i + 1:]
        if _is_group(g, right):
            return _parts(g, s[:i]) + [(right, True)]
        i = s.find("等", i + 1)
    return [(s, _is_group(g, s))]


def _strip_terminators(g: Grammar, s: str) -> str:
    s = s.rstrip(g.raw["list_end"])
    for t in g.raw["terminators"]:
        if s.endswith(t) and len(s) > len(t):
            return s[:-len(t)]
    return s


def parse(text: str, *, g: Grammar | None = None) -> dict:
    """Parse a notice's text: ``{"jurisdiction", "committees", "warnings"}``; NoticeError without any list."""
    g = g or grammar()
    if not text or not text.strip():
        raise NoticeError("文件为空：没有可解析的通知正文")
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(g.width)
    res = _Result(text)
    raw = g.raw
    op, cl = raw["brackets"]["open"], raw["brackets"]["close"]
    heads = []
    for m in g.head.finditer(text):
        name = m.group("name")
        if any(r.search(name) for r in g.rejects):
            continue
        if not (m.group("sep") or m.group("tail") or m.group("num")):
            continue
        heads.append(m)
    if not heads:
        raise NoticeError("未找到委员会名单：通知中没有“负责与……委员会对口联系的部门和单位：”"
                          "或“××委员会：”这样的条目")
    ends = [m.start() for m in g.section_end.finditer(text)]
    committees: list[_Committee] = []
    seen: dict[str, tuple[str, int]] = {}  # unit key -> (committee, pos)
    for k, m in enumerate(heads):
        name = m.group("name")
        top = ""
        for e in ends:
            if e < m.start():
                tm = re.match(r"\s*第?([一二三四五六七八九十]{1,3})", text[e:])
                top = tm.group(1) if tm else ""
        num = re.sub(r"\s", "", m.group("num") or "").strip("、.．")
        section = (top + (num if num.startswith("（") or not num else f"（{num}）"))[:32] or None
        com = next((c for c in committees if c.name == name), None)
        if com is not None:
            res.warn(m.group(0).strip(), m.start(), f"委员会“{name}”的名单出现两次，已合并", kind="duplicate_committee")
        else:
            com = _Committee(name, section, m.start())
            committees.append(com)
        stop = heads[k + 1].start() if k + 1 < len(heads) else len(text)
        stop = min([stop] + [e for e in ends if e > m.end()])
        span = text[m.end():stop]
        end = _list_end(span, raw["list_end"], op, cl)
        if end >= 0:
            rest = span[end + 1:].strip()
            if rest and k + 1 < len(heads) and heads[k + 1].start() == m.end() + len(span):
                res.warn(rest[:80], m.end() + end + 1, "名单句号之后、下一委员会之前的文字无法解析", where=name)
            span = span[:end]
        _items(g, res, com, span, m.end(), seen)
        if not com.units and not com.patterns:
            res.warn(m.group(0).strip(), m.start(), f"委员会“{name}”之后没有找到单位名单", where=name, kind="empty")
    return {"jurisdiction": _jurisdiction(g, text),
            "committees": [{"name": c.name, "section": c.section, "units": c.units, "patterns": c.patterns}
                           for c in committees],
            "warnings": res.warnings}


def _items(g: Grammar, res: _Result, com: _Committee, span: str, base: int, seen: dict) -> None:
    raw = g.raw
    op, cl = raw["brackets"]["open"], raw["brackets"]["close"]
    seps = raw["item_separators"]
    flat = span.strip()
    depth0 = re.sub(r"（[^）]*）", "", flat)
    # Without any separator a multi-line list is one unit per line; with them, line breaks are stray.
    line_mode = "\n" in flat and not any(s in depth0 for s in seps)
    pieces = _split(span, base, "\n" if line_mode else seps, op, cl)
    prev = None
    for n, (piece, pos) in enumerate(pieces, 1):
        item = _strip_terminators(g, re.sub(r"\s+", "", piece))
        if not item:
            continue
        where = f"{com.name} 第 {n} 项"
        for part, is_group in _parts(g, item):
            if is_group:
                if part not in com.patterns:
                    com.patterns.append(part)
                continue
            unit = _unit(g, res, part, pos, where)
            if unit is None:
                continue
            for pat, words in g.inherit:
                pm = pat.match(prev or "")
                if pm and unit["name"] in words:
                    unit["name"] = pm.group(2) + unit["name"]
            prev = unit["name"]
            if _claim(res, seen, unit["name"], com.name, pos, where):
                unit["sub_units"] = [s for s in unit["sub_units"] if _claim(res, seen, s, com.name, pos, where)]
                com.units.append(unit)


def _claim(res: _Result, seen: dict, name: str, committee: str, pos: int, where: str) -> bool:
    key = name_key(name)
    if key not in seen:
        seen[key] = (committee, pos)
        return True
    first, first_pos = seen[key]
    if first == committee:
        res.warn(name, pos, f"单位“{name}”在“{committee}”名单中重复列出（首次见第 {res.line(first_pos)} 行），只保留一次",
                 where=where, kind="repeated")
    else:
        res.warn(name, pos, f"单位“{name}”同时列于“{first}”（第 {res.line(first_pos)} 行）和“{committee}”名单："
                            f"一个单位只能对口一个委员会，请修改通知文字或由管理员决定，导入前必须解决",
                 where=where, blocking=True, kind="two_committees")
    return False


def _unit(g: Grammar, res: _Result, item: str, pos: int, where: str) -> dict | None:
    raw = g.raw
    op, cl = raw["brackets"]["open"], raw["brackets"]["close"]
    name, inner = item, ""
    if item.endswith(cl) and op in item:
        i, depth = len(item) - 1, 0
        while i >= 0:
            depth += item[i] == cl
            depth -= item[i] == op
            if depth == 0:
                break
            i -= 1
        if i > 0:
            name, inner = item[:i], item[i + 1:-1]
    if not _plausible(g, res, name, pos, where):
        return None
    unit = {"name": name, "sub_units": [], "aliases": [], "former_names": []}
    for sub, _ in _split(inner, 0, raw["item_separators"], op, cl) if inner else []:
        sub = sub.strip()
        if not sub:
            continue
        m = next((p.match(sub) for p in g.alias if p.match(sub)), None)
        if m:
            unit["aliases"].append(m.group(1))
            continue
        m = next((p.match(sub) for p in g.former if p.match(sub)), None)
        if m:
            unit["former_names"].append(m.group(1))
            continue
        for lead in raw["bracket_names"]["sub_unit_lead"]:
            if sub.startswith(lead) and len(sub) > len(lead):
                sub = sub[len(lead):]
        if _is_group(g, sub):
            res.warn(sub, pos, "括号中的开放范围不能作为下属单位，未导入；如需要请在面板中添加匹配规则", where=where)
        elif _plausible(g, res, sub, pos, where):
            unit["sub_units"].append(sub)
    return unit


def _plausible(g: Grammar, res: _Result, name: str, pos: int, where: str) -> bool:
    raw = g.raw
    if len(name) > raw["max_item"]:
        res.warn(name[:80], pos, f"不像单位名称（{len(name)} 字，上限 {raw['max_item']}），未导入", where=where)
        return False
    word = next((w for w in raw["not_name_words"] if w in name), None)
    if word:
        res.warn(name[:80], pos, f"不像单位名称（含“{word}”，像是叙述文字），未导入", where=where)
        return False
    if not g.cjk.search(name):
        res.warn(name, pos, "不像单位名称（没有汉字），未导入", where=where)
        return False
    if raw["brackets"]["open"] in name or raw["brackets"]["close"] in name:
        if name.count(raw["brackets"]["open"]) != name.count(raw["brackets"]["close"]):
            res.warn(name, pos, "括号不成对，未导入", where=where)
            return False
    return True


def _jurisdiction(g: Grammar, text: str) -> dict:
    head = text[:20000]
    name = next((m.group(1) for p in g.jurisdiction_names if (m := p.search(head))), None)
    prefixes = []
    if name:
        parts = re.findall(rf".+?[{g.raw['jurisdiction_levels']}]", name)
        prefixes = list(dict.fromkeys([name, parts[-1] if parts else name, name[-1]]))
    number = g.document_number.search(head)
    return {"name": name, "prefixes": sorted(prefixes, key=len, reverse=True),
            "source": re.sub(r"\s", "", number.group(0)) if number else None}


# ----------------------------------------------------------------------------- the table


def to_table(parsed: dict, code: str, *, base: dict | None = None, g: Grammar | None = None) -> dict:
    """The parsed notice as a table file mapping for :func:`table.load`; ``base`` (the current table)
    lends its names, full names and edited pattern rules to what the notice names alike."""
    g = g or grammar()
    raw = g.raw
    jur = dict(parsed["jurisdiction"])
    name = jur.get("name") or (base or {}).get("jurisdiction", {}).get("name") or code
    prefixes = jur.get("prefixes") or (base or {}).get("jurisdiction", {}).get("prefixes") or []
    old_units = {u["name"]: u for u in (base or {}).get("units", [])}
    old_committees = {c["name"]: c for c in (base or {}).get("committees", [])}
    old_patterns = {p["name"]: p for p in (base or {}).get("patterns", [])}
    level = name[-1] if name else ""
    short = name[:-1] if len(name) > 2 else None
    present = current_name(base, prefixes)
    committees, units, patterns = [], [], []
    placed: dict[str, dict] = {}   # a present unit the notice names twice by former names (merged since)
    for c in parsed["committees"]:
        aliases = [f.format(level=level, name=c["name"], jurisdiction=name) for f in raw["committee_alias_forms"]]
        if "、" in c["name"]:
            aliases.append(c["name"].replace("、", ""))
        aliases += old_committees.get(c["name"], {}).get("aliases", [])
        committees.append({"name": c["name"], "section": c.get("section"),
                           "aliases": [a for a in dict.fromkeys(aliases) if a != c["name"]]})
        for u in c["units"]:
            u = {**u, "name": present(u["name"]), "sub_units": [present(s) for s in u["sub_units"]]}
            if u["name"] in placed:
                _also_under(placed[u["name"]], c["name"])
            else:
                extra = list(u.get("aliases", []))
                if short and u["name"].startswith(short) and not u["name"].startswith(name) \
                        and u["name"].endswith(tuple(raw["short_name_alias_suffixes"])):
                    extra.append(name + u["name"][len(short):])  # 南通工商局 is 南通市工商局
                placed[u["name"]] = _unit_item(u, c["name"], old_units.get(u["name"], {}), extra)
                units.append(placed[u["name"]])
            for s in u["sub_units"]:
                if s not in placed:
                    placed[s] = _sub_item(s, u["name"], old_units.get(s, {}))
                    units.append(placed[s])
        for text in c["patterns"]:
            patterns.append(old_patterns.get(text) and {**old_patterns[text], "committee": c["name"]}
                            or {"name": text, "committee": c["name"], **pattern_rule(text, c.get("section"), g)})
    _keep_committee_order(units, old_units)
    _drop_clashing_names(units, prefixes)
    data = {"format": FORMAT, "version": 1,
            "jurisdiction": {"code": code, "name": name, "prefixes": prefixes, "source": jur.get("source")},
            "committees": committees, "units": units, "patterns": patterns}
    if base:
        # A unit the notice names differently (县卫健局 / 县卫计局) keeps its row, clerks and documents:
        # load() treats a former name that the file no longer lists as a rename.
        by_name = {u["name"]: u for u in units}
        for r in diff(base, data)["renamed"]:
            unit = by_name[r["to"]]
            if r["from"] not in {f["name"] for f in unit.get("former_names", [])}:
                unit.setdefault("former_names", []).append({"name": r["from"], "until": None})
    return data


def _unit_item(u: dict, committee: str, old: dict, extra: list[str]) -> dict:
    """A unit the notice lists under ``committee``, keeping what the present table knows of it (``old``)."""
    item = {"name": u["name"], "committee": committee,
            "aliases": list(dict.fromkeys([*old.get("aliases", []), *extra]))}
    if old.get("full_name"):
        item["full_name"] = old["full_name"]
    former = old.get("former_names") or []
    former += [{"name": f, "until": None} for f in u.get("former_names", [])
               if f not in {x["name"] for x in former}]
    if former:
        item["former_names"] = former
    return item


def _sub_item(name: str, parent: str, old: dict) -> dict:
    """A sub-unit the notice lists in brackets, keeping what the present table knows of it."""
    sub = {"name": name, "parent": parent, "aliases": old.get("aliases", [])}
    if old.get("full_name"):
        sub["full_name"] = old["full_name"]
    if old.get("former_names"):
        sub["former_names"] = old["former_names"]
    return sub


def current_name(base: dict | None, prefixes: list[str]):
    """A name the notice uses -> the present unit's name: a notice written before a rename (县安监局) names a unit
    that lives on under its new name (县应急管理局), with its full name, aliases and clerks."""
    pref = sorted(prefixes, key=len, reverse=True)
    units = (base or {}).get("units", [])
    now = {u["name"] for u in units}
    former = {canonical(name_key(f["name"]), pref): u["name"] for u in units for f in u.get("former_names", [])}
    return lambda n: n if n in now else former.get(canonical(name_key(n), pref), n)


def former_used(parsed: dict, base: dict | None) -> list[dict]:
    """The units the notice names by a former name: ``[{"notice", "unit"}]``, each kept as it is now."""
    present = current_name(base, parsed["jurisdiction"].get("prefixes")
                           or (base or {}).get("jurisdiction", {}).get("prefixes") or [])
    names = [n for c in parsed["committees"] for u in c["units"] for n in [u["name"], *u["sub_units"]]]
    return [{"notice": n, "unit": present(n)} for n in dict.fromkeys(names) if present(n) != n]


def _also_under(item: dict, committee: str) -> None:
    """A unit merged since the notice (县文旅局 of 县文广体局 and 县旅游局) stands under each predecessor's committee."""
    linked = item.pop("committees", None) or [item.pop("committee")]
    item["committees"] = list(dict.fromkeys([*linked, committee]))


def _keep_committee_order(units: list[dict], old_units: dict) -> None:
    """A merged unit's committees in the present table's order when the notice lists the same ones (no move)."""
    for u in units:
        old = old_units.get(u["name"], {}).get("committees") or []
        if u.get("committees") and set(u["committees"]) == set(old):
            u["committees"] = list(old)


def pattern_rule(text: str, section: str | None, g: Grammar | None = None) -> dict:
    """The regex and note for an open group; ``regex`` matches nothing when no rule fits (the admin sets one)."""
    g = g or grammar()
    where = f"{section or ''}“{text}”"
    for rule in g.raw["pattern_rules"]:
        m = re.search(rule["match"], text)
        if m:
            domain = m.groupdict().get("domain")
            words = g.raw["domains"].get(domain, [domain]) if domain else []
            return {"regex": rule["regex"].replace("{domain}", "|".join(map(re.escape, words))),
                    "note": where + "；" + rule["note"].replace("{words}", "、".join(words))}
    return {"regex": g.raw["pattern_unmatched"], "note": where + "；尚无匹配规则，请管理员填写"}


def _drop_clashing_names(units: list[dict], prefixes: list[str]) -> None:
    """Aliases lent by the old table or derived must not take another unit's name (the notice's names win)."""
    pref = sorted(prefixes, key=len, reverse=True)
    owner = {canonical(name_key(u["name"]), pref): u["name"] for u in units}
    for u in units:
        keep = []
        for a in u.get("aliases", []):
            k = canonical(name_key(a), pref)
            if owner.setdefault(k, u["name"]) == u["name"]:
                keep.append(a)
        u["aliases"] = keep
        if u.get("full_name") and owner.setdefault(canonical(name_key(u["full_name"]), pref), u["name"]) != u["name"]:
            del u["full_name"]
        if u.get("former_names"):
            u["former_names"] = [f for f in u["former_names"]
                                 if owner.setdefault(canonical(name_key(f["name"]), pref), u["name"]) == u["name"]]


def blocking(parsed: dict) -> list[dict]:
    """The warnings that must be resolved before the table is applied."""
    return [w for w in parsed["warnings"] if w.get("blocking")]


def public(parsed: dict) -> dict:
    """The CLI's stable JSON shape (units without empty extras)."""
    out: dict[str, Any] = {"jurisdiction": parsed["jurisdiction"], "committees": [], "warnings": parsed["warnings"]}
    for c in parsed["committees"]:
        units = []
        for u in c["units"]:
            item = {"name": u["name"], "sub_units": u["sub_units"]}
            if u.get("aliases"):
                item["aliases"] = u["aliases"]
            if u.get("former_names"):
                item["former_names"] = u["former_names"]
            units.append(item)
        out["committees"].append({"name": c["name"], "section": c["section"], "units": units,
                                  "patterns": c["patterns"]})
    return out


def apply(parsed: dict, code: str, report: dict | None = None, *, commit: bool = True):
    """Load the parsed notice as the jurisdiction's next table version (all or nothing; a new
    jurisdiction when ``code`` is unknown); NoticeError while a blocking warning stands.
    ``commit=False``: flushed only, for a unit of work."""
    from . import file as table, versions as table_versions
    stop = blocking(parsed)
    if stop:
        raise NoticeError("通知中有必须先解决的问题，未导入：\n" + "\n".join(f"  - {w['where']}：{w['why']}" for w in stop))
    try:
        base = table.export(code)
    except LookupError:
        base = None
    data = to_table(parsed, code, base=base)
    source = data["jurisdiction"].get("source") or "通知"
    try:
        return table_versions.load_version(data, f"由通知 {source} 导入", report, commit=commit)
    except IntegrityError:
        removed = diff(base, data)["removed"]
        raise NoticeError("未导入：通知中没有的单位仍有文件、账号等记录引用，不能删除（"
                          + "、".join(removed[:20]) + "）；请先在对口联系表中处理这些单位，或在通知中保留它们") from None


def diff(old: dict | None, new: dict) -> dict:
    """What loading ``new`` over ``old`` (table file mappings) changes: added, removed, renamed, moved."""
    old = old or {"committees": [], "units": [], "patterns": []}
    prefixes = sorted(new["jurisdiction"].get("prefixes") or [], key=len, reverse=True)

    def place(units):
        return {u["name"]: (u.get("committee") or "、".join(u.get("committees") or []), u.get("parent") or "")
                for u in units}

    def names(u):
        return {canonical(name_key(n), prefixes) for n in
                [u["name"], *u.get("aliases", []), *[f["name"] for f in u.get("former_names", [])]]}

    before, after = place(old["units"]), place(new["units"])
    added = [n for n in after if n not in before]
    removed = [n for n in before if n not in after]
    old_by, new_by = {u["name"]: u for u in old["units"]}, {u["name"]: u for u in new["units"]}
    renamed = []
    for n in list(added):
        match = next((o for o in removed if names(old_by[o]) & names(new_by[n])), None)
        if match is not None:
            renamed.append({"from": match, "to": n})
            added.remove(n)
            removed.remove(match)
    to = {r["from"]: r["to"] for r in renamed}
    before = {n: (c, to.get(parent, parent)) for n, (c, parent) in before.items()}  # a renamed parent is no move
    moved = [{"name": n, "from": "／".join(x for x in before[n] if x), "to": "／".join(x for x in after[n] if x)}
             for n in after if n in before and before[n] != after[n]]
    moved += [{"name": r["to"], "from": "／".join(x for x in before[r["from"]] if x),
               "to": "／".join(x for x in after[r["to"]] if x)} for r in renamed if before[r["from"]] != after[r["to"]]]
    oc, nc = [c["name"] for c in old["committees"]], [c["name"] for c in new["committees"]]
    op_, np_ = [p["name"] for p in old.get("patterns", [])], [p["name"] for p in new.get("patterns", [])]
    return {"added": added, "removed": removed, "renamed": renamed, "moved": moved,
            "committees_added": [c for c in nc if c not in oc], "committees_removed": [c for c in oc if c not in nc],
            "patterns_added": [p for p in np_ if p not in op_], "patterns_removed": [p for p in op_ if p not in np_]}
