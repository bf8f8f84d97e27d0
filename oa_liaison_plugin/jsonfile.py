"""One JSON loader for files people hand in (draft input, table files): bytes or text in, a clear Chinese error out."""
from __future__ import annotations

import json

MAX_DEPTH = 64  # far beyond any table or draft input; deeper nesting is an attack or an accident


class JsonError(ValueError):
    """Input that is not usable JSON; the message (Chinese) says why and where."""


def loads(raw: bytes | str, what: str = "输入") -> object:
    """Parse ``raw`` (UTF-8, a BOM allowed); raise JsonError for bad encoding, bad syntax or too deep nesting."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise JsonError(f"{what}不是 UTF-8 编码的文本（第 {exc.start} 字节起）") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonError(f"{what}不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
    except RecursionError:
        raise JsonError(f"{what}的 JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）") from None
    _check_depth(data, what)
    return data


def _check_depth(data: object, what: str) -> None:
    stack = [(data, 1)]  # iterative: the check itself must not recurse
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise JsonError(f"{what}的 JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
