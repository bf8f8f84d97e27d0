"""The stored rule set of a jurisdiction: defaults, edits (bumping the version) and compiling."""
from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import func, select

from ..models import Jurisdiction, Rule, db
from ..versions import bump, claim
from .rules import RuleSet, validate_rule


def default_rules() -> list[dict]:
    """The shipped default rules, derived from the notice (data/default_rules.json)."""
    data = json.loads(resources.files("oa_liaison_plugin").joinpath("data/default_rules.json").read_text("utf-8"))
    return data["rules"]


def ensure_defaults() -> None:
    """Give each jurisdiction that has no rules the default set (committed: a start-up step, not a change)."""
    for jur in db.session.scalars(select(Jurisdiction)).all():
        if not db.session.scalar(select(func.count(Rule.id)).where(Rule.jurisdiction_id == jur.id)):
            # Shipped and tried in the tests: the wall-clock trial would refuse them on a busy machine.
            replace_all(jur, default_rules(), trial=False)
    db.session.commit()


def rules_of(jur: Jurisdiction) -> list[dict]:
    rows = db.session.scalars(select(Rule).where(Rule.jurisdiction_id == jur.id).order_by(Rule.position, Rule.id))
    return [{**r.data, "id": r.rule_id, "enabled": r.enabled, "order": r.position} for r in rows]


def next_rule_id(jur: Jurisdiction) -> str:
    """The id of a rule a person adds: ``rule-<n>``, one more than the highest such number of the jurisdiction
    (ids given by a file or the command line keep theirs; the person never sees or types one)."""
    taken = set(db.session.scalars(select(Rule.rule_id).where(Rule.jurisdiction_id == jur.id)))
    n = max((int(i[5:]) for i in taken if i.startswith("rule-") and i[5:].isdigit()), default=0)
    return f"rule-{n + 1}"


def version_of(jur: Jurisdiction, rule_id: str) -> int | None:
    """The rule's version (what its edit form carries), None for no such rule."""
    return db.session.scalar(select(Rule.version).where(Rule.jurisdiction_id == jur.id, Rule.rule_id == rule_id))


def compile_for(jur: Jurisdiction) -> RuleSet:
    # Stored rules passed the backtracking trial when they were saved. Trying them again here timed out on a
    # loaded machine and turned a document into an internal error; each match stays bounded by its timeout.
    return RuleSet.compile(rules_of(jur), trial=False)


def replace_all(jur: Jurisdiction, rules: list[dict], *, trial: bool = True) -> None:
    """Validate every rule first, then replace the jurisdiction's rules; flushed, the caller's work commits."""
    cleaned = [validate_rule(r, trial=trial) for r in rules]
    ids = [r["id"] for r in cleaned]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"规则编号重复：{'，'.join(dupes)}")
    # The rows are written anew: each keeps counting its versions, so a form loaded before is stale.
    versions = dict(db.session.execute(select(Rule.rule_id, Rule.version).where(Rule.jurisdiction_id == jur.id)).all())
    db.session.query(Rule).filter(Rule.jurisdiction_id == jur.id).delete()
    for pos, r in enumerate(cleaned):
        db.session.add(Rule(jurisdiction_id=jur.id, rule_id=r["id"], position=r.get("order", pos),
                            enabled=r.get("enabled", True), data=r, version=versions.get(r["id"], 0) + 1))
    jur.rules_version = (jur.rules_version or 0) + 1
    db.session.flush()


def save_rule(jur: Jurisdiction, rule: dict, *, version=None) -> Rule:
    """Add or change one rule (flushed, the caller's work commits); it takes effect at the next document
    (version bump), no restart.

    ``version``: the rule's version its form was loaded at; versions.Stale when it was saved since.
    """
    cleaned = validate_rule(rule)
    row = db.session.scalar(select(Rule).where(Rule.jurisdiction_id == jur.id, Rule.rule_id == cleaned["id"]))
    if row is None:
        row = Rule(jurisdiction_id=jur.id, rule_id=cleaned["id"])
        db.session.add(row)
    elif version is not None:
        claim(Rule, row.id, version)
    else:
        bump(row)
    row.data, row.enabled, row.position = cleaned, cleaned.get("enabled", True), cleaned.get("order", 0)
    jur.rules_version = (jur.rules_version or 0) + 1
    db.session.flush()
    return row
