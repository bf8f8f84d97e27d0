"""Parses section 四 of the notice text into (committee, unit, parent) items, for the table tests."""
from __future__ import annotations

import re

HEAD = re.compile(r"[（(][一二三四五六七][）)]\s*负责与县政协(.+?)对口联系的部门和单位[:：]")


def _split_top(text: str) -> list[str]:
    """Split on 、 outside brackets."""
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
        if ch == "、" and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    return [i.strip() for i in items if i.strip()]


def parse_section_four(notice: str) -> tuple[list[tuple[str, str, str | None]], list[tuple[str, str]]]:
    """Returns ([(committee, unit, parent_or_None)], [(committee, open_group)])."""
    section = notice.split("四、对口联系协商的县级部门", 1)[1].split("五、对口联系协商的几点要求", 1)[0]
    section = re.sub(r"\s+", "", section)
    heads = list(HEAD.finditer(section))
    units, groups = [], []
    for i, m in enumerate(heads):
        committee = m.group(1)
        body = section[m.end(): heads[i + 1].start() if i + 1 < len(heads) else len(section)].rstrip("。")
        for item in _split_top(body):
            for part in item.split("及"):
                part = part.strip()
                if part.endswith("等单位"):
                    part = part[:-3]
                if "等" in part and part.endswith("中小学校"):
                    named, group = part.split("等", 1)
                    groups.append((committee, group))
                    part = named
                if part.endswith("有关企业"):
                    groups.append((committee, part))
                    continue
                bm = re.match(r"^(.+?)[（(](.+)[）)]$", part)
                if bm:
                    parent = bm.group(1)
                    units.append((committee, parent, None))
                    for child in bm.group(2).split("、"):
                        units.append((committee, child.strip(), parent))
                else:
                    units.append((committee, part, None))
    return units, groups
