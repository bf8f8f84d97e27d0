"""Unit-name resolution: an issuer name as an OA system sends it -> unit -> counterpart committee."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import regex
from sqlalchemy import select

from ..models import Committee, Counterpart, Jurisdiction, Unit, UnitName, UnitPattern, db
from ..table.units import up
from .normalize import name_key
from ..table.file import canonical

MAX_INPUT = 256
PATTERN_TIMEOUT = 0.05  # seconds per name pattern and name, as a content rule's regex has per document
SUGGESTIONS = 5


@dataclass
class Resolution:
    """The answer for one name; ``as_json()`` is the CLI's stable shape."""
    input: str
    unit: str | None = None
    parent: str | None = None
    committee: str | None = None
    matched_by: str | None = None  # name | full_name | alias | former_name | sub_unit | pattern
    suggestions: list[str] = field(default_factory=list)
    pattern: str | None = None
    error: str | None = None
    unit_id: int | None = None
    committees: list[str] = field(default_factory=list)  # all of them: a merged unit keeps its predecessors'

    @property
    def resolved(self) -> bool:
        return self.committee is not None

    def as_json(self) -> dict:
        return {"input": self.input, "unit": self.unit, "parent": self.parent, "committee": self.committee,
                "matched_by": self.matched_by, "suggestions": self.suggestions, "pattern": self.pattern,
                "error": self.error, "committees": self.committees or ([self.committee] if self.committee else [])}


@dataclass(frozen=True)
class _Entry:
    unit_id: int
    name: str
    parent: str | None
    committees: tuple[str, ...]


def as_id(ref) -> int | None:
    """The id a reference gives (an integer, or its decimal string: "12", "１２"), else None (a name)."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return ref
    if isinstance(ref, str):
        digits = unicodedata.normalize("NFKC", ref).strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(digits)
    return None


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


class Resolver:
    """An in-memory index of one jurisdiction's table, built once per table version."""

    def __init__(self, jurisdiction: Jurisdiction):
        self.code = jurisdiction.code
        self.version = jurisdiction.table_version
        self.prefixes = list(jurisdiction.prefixes)
        jid = jurisdiction.id
        committees = {c.id: c.name for c in db.session.scalars(select(Committee).where(
            Committee.jurisdiction_id == jid))}
        self.committee_ids = {name: cid for cid, name in committees.items()}
        self.committee_names = committees
        links: dict[int, list[str]] = {}
        for unit_id, cid in db.session.execute(select(Counterpart.unit_id, Counterpart.committee_id).join(Unit)
                                               .where(Unit.jurisdiction_id == jid).order_by(Counterpart.id)):
            links.setdefault(unit_id, []).append(committees[cid])
        units = db.session.scalars(select(Unit).where(Unit.jurisdiction_id == jid)).all()
        by_id = {u.id: u for u in units}

        def committee_of(u: Unit) -> tuple[str, ...]:
            return tuple(next((links[i] for i in up(u.id, lambda i: by_id[i].parent_id) if i in links), ()))

        self.keys: dict[str, tuple[_Entry, str]] = {}
        self.children: dict[int, dict[str, _Entry]] = {}
        entries = {}
        for u in units:
            entry = _Entry(u.id, u.name, by_id[u.parent_id].name if u.parent_id else None, committee_of(u))
            entries[u.id] = entry
            self._add(u.name, entry, "name")
            if u.full_name:
                self._add(u.full_name, entry, "full_name")
        for n in db.session.scalars(select(UnitName).where(UnitName.jurisdiction_id == jid)):
            self._add(n.name, entries[n.unit_id], "former_name" if n.kind == "former" else "alias")
        for u in units:
            if u.parent_id:
                kids = self.children.setdefault(u.parent_id, {})
                for k, (e, _) in self.keys.items():
                    if e.unit_id == u.id:
                        kids[k] = e
                        parent = by_id[u.parent_id]
                        # "公安局交警大队" style: strip the parent's own names from a sub-unit key
                        for pk in {canonical(name_key(parent.name), self.prefixes),
                                   canonical(name_key(parent.full_name or parent.name), self.prefixes)}:
                            if k.startswith(pk) and len(k) > len(pk):
                                kids[k[len(pk):]] = e
        self.patterns = [(p.name, regex.compile(p.regex), committees[p.committee_id]) for p in db.session.scalars(
            select(UnitPattern).where(UnitPattern.jurisdiction_id == jid).order_by(UnitPattern.position))]
        self.committee_keys = {}
        for cid, cname in committees.items():
            self.committee_keys[name_key(cname)] = cname
        for c in db.session.scalars(select(Committee).where(Committee.jurisdiction_id == jid)):
            for a in c.aliases:
                self.committee_keys[name_key(a)] = c.name
        self.entries = entries
        self._suggest_pool = [(k, e.name, _bigrams(k)) for k, (e, _) in self.keys.items()]
        self.max_key = max((len(k) for k in self.keys), default=0)

    def _add(self, name: str, entry: _Entry, kind: str) -> None:
        k = canonical(name_key(name), self.prefixes)
        self.keys.setdefault(k, (entry, kind))

    def resolve(self, name) -> Resolution:
        """Resolve one issuer name; unknown names get ranked suggestions, never a guess."""
        if not isinstance(name, str):
            return Resolution(input=repr(name), error=f"名称应为文本，实际为 {type(name).__name__}")
        if len(name) > MAX_INPUT:
            return Resolution(input=name[:40] + "…", error=f"名称过长（{len(name)} 字符，上限 {MAX_INPUT}）")
        key = name_key(name)
        if not key:
            return Resolution(input=name, error="名称为空")
        key = canonical(key, self.prefixes)
        hit = self.keys.get(key)
        if hit is not None:
            return self._answer(name, hit[0], hit[1])
        # A sub-unit written as parent + sub-unit (南部县公安局交通警察大队): longest known prefix.
        for cut in range(min(len(key) - 1, self.max_key), 1, -1):
            head = self.keys.get(key[:cut])
            if head is not None:
                kid = self.children.get(head[0].unit_id, {}).get(key[cut:])
                if kid is not None:
                    return self._answer(name, kid, "sub_unit")
        full = name_key(name)
        for pname, rx, committee in self.patterns:
            try:
                found = rx.search(full, timeout=PATTERN_TIMEOUT)
            except TimeoutError:  # a pattern stored before patterns were checked: no match, not a stall
                found = None
            if found:
                return Resolution(input=name, unit=name.strip(), committee=committee, matched_by="pattern",
                                  pattern=pname, committees=[committee])
        return Resolution(input=name, suggestions=self.suggest(key))

    def _answer(self, name: str, entry: _Entry, how: str) -> Resolution:
        return Resolution(input=name, unit=entry.name, parent=entry.parent,
                          committee=entry.committees[0] if entry.committees else None, matched_by=how,
                          unit_id=entry.unit_id, committees=list(entry.committees))

    def suggest(self, key: str) -> list[str]:
        """Unit names ranked by character-bigram similarity (Dice) to ``key``."""
        grams = _bigrams(key)
        scored: dict[str, float] = {}
        for k, unit, kg in self._suggest_pool:
            common = len(grams & kg)
            if not common:
                continue
            score = 2 * common / (len(grams) + len(kg))
            if score > scored.get(unit, 0):
                scored[unit] = score
        ranked = sorted(scored.items(), key=lambda x: (-x[1], x[0]))
        return [u for u, s in ranked[:SUGGESTIONS] if s >= 0.25]

    def unit_named(self, ref) -> Resolution:
        """A unit named by a host: by its id (an integer, or its decimal string) or as :meth:`resolve` does."""
        uid = as_id(ref)
        if uid is None:
            return self.resolve(ref)
        entry = self.entries.get(uid)
        if entry is None:
            return Resolution(input=str(ref), error=f"没有编号为 {uid} 的单位")
        return self._answer(str(ref), entry, "id")

    def committee_named(self, ref) -> str | None:
        """A committee's own name for its id (an integer, or its decimal string), name, alias or full name."""
        cid = as_id(ref)
        if cid is not None:
            return self.committee_names.get(cid)
        return self.committee(ref) if isinstance(ref, str) else None

    def committee(self, name: str) -> str | None:
        """The committee's own name for a name or alias (县政协教科文卫体委员会 -> 教科文卫体委员会)."""
        key = name_key(name)
        if key in self.committee_keys:
            return self.committee_keys[key]
        # 政协南部县委员会…, 南部县政协… (the full name), 县政协…, 政协…
        for prefix in ("政协" + (self.prefixes[0] if self.prefixes else "") + "委员会",
                       *(p + "政协" for p in self.prefixes), "政协"):
            k = name_key(prefix)
            if key.startswith(k) and key[len(k):] in self.committee_keys:
                return self.committee_keys[key[len(k):]]
        return None
