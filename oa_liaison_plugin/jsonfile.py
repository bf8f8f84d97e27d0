"""One JSON loader for everything handed in (API bodies, panel uploads, every CLI input): limits and clear errors."""
from __future__ import annotations

import json
import re

from .files import InputError, read_input

MAX_DEPTH = 64          # far beyond any table, draft or event; deeper nesting is an attack or an accident
MAX_DIGITS = 64         # a number's characters: ids and counts fit; Python refuses ints beyond 4,300 digits
MAX_BYTES = 20 * 1024 * 1024
# Control characters other than tab and line breaks: PostgreSQL refuses NUL, and none belongs in a text field.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class JsonError(ValueError):
    """Input that is not usable JSON; the message (Chinese) says why and where, ``field`` names the place."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _number(text: str) -> str:
    if len(text) > MAX_DIGITS:
        raise JsonError(f"数字过长（{len(text)} 位，上限 {MAX_DIGITS} 位）")
    return text


def _constant(name: str):
    raise JsonError(f"{name} 不是有效的 JSON 数值")


def loads(raw: bytes | str, what: str = "输入", *, max_bytes: int = MAX_BYTES) -> object:
    """Parse ``raw`` (UTF-8, a BOM allowed); raise JsonError for bad encoding, bad syntax, too deep nesting,
    too long numbers, a size over ``max_bytes`` or a control character in a text (the error names where)."""
    if len(raw) > max_bytes:
        raise JsonError(f"{what}过大（上限 {max_bytes} 字节）")
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise JsonError(f"{what}不是 UTF-8 编码的文本（第 {exc.start} 字节起）") from None
    try:
        data = json.loads(text, parse_int=lambda s: int(_number(s)), parse_float=lambda s: float(_number(s)),
                          parse_constant=_constant, strict=False)   # control characters: named below
    except JsonError as exc:
        raise JsonError(f"{what}的 JSON 有误：{exc}") from None
    except json.JSONDecodeError as exc:
        raise JsonError(f"{what}不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
    except (RecursionError, MemoryError):
        raise JsonError(f"{what}的 JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）") from None
    except ValueError as exc:   # anything else the decoder refuses is still the input's fault
        raise JsonError(f"{what}不是有效的 JSON：{exc}"[:300]) from None
    _walk(data, what)
    return data


def load_file(path, what: str | None = None, *, max_bytes: int = MAX_BYTES) -> object:
    """A JSON file: regular files only, read up to ``max_bytes``; InputError (an OSError) or JsonError."""
    return loads(read_input(path, max_bytes=max_bytes), what or f"输入文件 {path} ", max_bytes=max_bytes)


def control_character(text: str) -> str | None:
    """The first control character of ``text`` as U+XXXX (tab and line breaks allowed), or None."""
    found = CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _walk(data: object, what: str) -> None:
    stack = [(data, 1, "")]  # iterative: the check itself must not recurse
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            bad = control_character(value)
            if bad:
                where = path or "（顶层）"
                raise JsonError(f"{what}字段 {where} 含控制字符 {bad}（不允许 NUL 等控制字符）", path or None)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise JsonError(f"{what}的 JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）")
        if isinstance(value, dict):
            for key, child in value.items():
                here = f"{path}.{key}" if path else str(key)
                bad = control_character(key)
                if bad:
                    raise JsonError(f"{what}的键 {here!r} 含控制字符 {bad}", here)
                stack.append((child, depth + 1, here))
        else:
            stack.extend((child, depth + 1, f"{path}[{i}]") for i, child in enumerate(value))


__all__ = ["InputError", "JsonError", "MAX_BYTES", "control_character", "load_file", "loads"]
