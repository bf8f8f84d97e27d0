"""An audit entry's before and after as people read them: the changed fields, with Chinese names and values."""
from __future__ import annotations

from ...wording import field_label
from ..labels import RULE_ACTION, RULE_FIELD, RULE_MATCH, local_time
from ..models import ROLES

# Stored codes that some fields hold, and their Chinese names.
_CODES = {"role": ROLES, "action": RULE_ACTION, "match": RULE_MATCH, "fields": RULE_FIELD}


def shown(value, key: str = "", codes: dict | None = None) -> str:
    """One value in words: lists joined with 、, mappings as 名称：值, codes by their Chinese names (``codes``:
    more of them, such as the jurisdiction's)."""
    codes = {**_CODES, **(codes or {})}
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{shown(v, k, codes)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(shown(v, key, codes) for v in value)
    if isinstance(value, str) and key in codes:
        return codes[key].get(value, value)
    if isinstance(value, str) and key.endswith("_at") and "T" in value:
        return local_time(value)
    return str(value)


def changes(before, after, codes: dict | None = None) -> list[tuple[str, str, str]]:
    """``[(field, before, after)]`` for each field that differs (every field of a record made or removed)."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return [("内容", shown(before, codes=codes), shown(after, codes=codes))] if before != after else []
    old, new = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*old, *new]))
    return [(field_label(k), shown(old.get(k), k, codes), shown(new.get(k), k, codes))
            for k in keys if old.get(k) != new.get(k)]
