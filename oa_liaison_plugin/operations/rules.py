"""Qualification and content rules: add or change one, enable or disable it, move it — each audited."""
from __future__ import annotations

from ..decision import ruleset
from ..errors import InputError


def _rule(jur, rule_id: str) -> dict:
    rule = next((r for r in ruleset.rules_of(jur) if r["id"] == rule_id), None)
    if rule is None:
        raise LookupError(rule_id)
    return rule


def save(uow, jur, rule: dict, *, before: dict | None = None, version=None):
    """Add a rule — without an ``id``, the next ``rule-<n>`` of the jurisdiction — or change it (``before``: the
    rule as its form showed it); InputError names the field at fault, versions.Stale a form loaded before
    another save."""
    if before is None:
        if not rule.get("id"):
            rule = {**rule, "id": ruleset.next_rule_id(jur)}
        elif ruleset.version_of(jur, rule["id"]) is not None:
            raise InputError("id", "已有同编号的规则，请换一个编号")
    row = ruleset.save_rule(jur, rule, version=version if before is not None else None)
    uow.audit("rule.update" if before is not None else "rule.create", rule["id"], before, rule,
              jurisdiction_id=jur.id)
    return row


def toggle(uow, jur, rule_id: str) -> dict:
    """Enable a disabled rule or disable an enabled one; the rule after (LookupError: no such rule)."""
    before = _rule(jur, rule_id)
    after = {**before, "enabled": not before.get("enabled", True)}
    ruleset.save_rule(jur, after)
    uow.audit("rule.enable" if after["enabled"] else "rule.disable", rule_id,
              {"enabled": before.get("enabled", True)}, {"enabled": after["enabled"]}, jurisdiction_id=jur.id)
    return after


def move(uow, jur, rule_id: str, direction: str) -> None:
    """Move a rule one place ``up`` or down, swapping its order with its neighbour's (LookupError: no such rule)."""
    rules = ruleset.rules_of(jur)
    i = next((k for k, r in enumerate(rules) if r["id"] == rule_id), None)
    if i is None:
        raise LookupError(rule_id)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(rules):
        return
    before = [r["id"] for r in rules]
    a, b = rules[i], rules[j]
    if a["order"] == b["order"]:  # equal orders cannot be swapped: number them all 10, 20, …
        for k, r in enumerate(rules):
            r["order"] = (k + 1) * 10
    a["order"], b["order"] = b["order"], a["order"]
    rules[i], rules[j] = b, a
    ruleset.replace_all(jur, rules)
    uow.audit("rule.move", rule_id, before, [r["id"] for r in rules], jurisdiction_id=jur.id)
