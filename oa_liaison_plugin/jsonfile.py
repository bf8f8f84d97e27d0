"""One JSON loader for everything handed in (API bodies, panel uploads, every CLI input): limits and clear errors."""
from __future__ import annotations

import json
import re

from .errors import InputError
from .files import UnreadableInput, read_input

MAX_DEPTH = 64          # far beyond any table, draft or event; deeper nesting is an attack or an accident
MAX_DIGITS = 64         # a number's characters: ids and counts fit; Python refuses ints beyond 4,300 digits
MAX_BYTES = 20 * 1024 * 1024
# Control characters other than tab and line breaks: PostgreSQL refuses NUL, and none belongs in a text field.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])
# From this length a text is first checked as UTF-8 bytes: a control character is one byte there (never part
# of a longer sequence), and deleting those bytes is one C pass, several times faster than the expression's
# search; a file's 50 KB of base64 took the expression 0.4 ms of each request.
LONG_TEXT = 256


def _refused(message: str, field: str | None = None, *, what: str = "") -> InputError:
    """Input that is not usable JSON: an InputError saying why, ``field`` the place (None: the input as a whole)."""
    return InputError(field, message, where=what.strip() or None)


def _number(text: str) -> str:
    if len(text) > MAX_DIGITS:
        raise _refused(f"数字过长（{len(text)} 位，上限 {MAX_DIGITS} 位）")
    return text


def _constant(name: str):
    raise _refused(f"{name} 不是有效的 JSON 数值")


def loads(raw: bytes | str, what: str = "输入", *, max_bytes: int = MAX_BYTES) -> object:
    """Parse ``raw`` (UTF-8, a BOM allowed); raise InputError for bad encoding, bad syntax, too deep nesting,
    too long numbers, a size over ``max_bytes`` or a control character in a text (the error names where)."""
    if len(raw) > max_bytes:
        raise _refused(f"过大（上限 {max_bytes} 字节）", what=what)
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise _refused(f"不是 UTF-8 编码的文本（第 {exc.start} 字节起）", what=what) from None
    try:
        data = json.loads(text, parse_int=lambda s: int(_number(s)), parse_float=lambda s: float(_number(s)),
                          parse_constant=_constant, strict=False)   # control characters: named below
    except InputError as exc:
        raise _refused(f"JSON 有误：{exc}", what=what) from None
    except json.JSONDecodeError as exc:
        raise _refused(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}", what=what) from None
    except (RecursionError, MemoryError):
        raise _refused(f"JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）", what=what) from None
    except ValueError as exc:   # anything else the decoder refuses is still the input's fault
        raise _refused(f"不是有效的 JSON：{exc}"[:300], what=what) from None
    _walk(data, what)
    return data


def load_file(path, what: str | None = None, *, max_bytes: int = MAX_BYTES) -> object:
    """A JSON file: regular files only, read up to ``max_bytes``; UnreadableInput (an OSError) or InputError."""
    return loads(read_input(path, max_bytes=max_bytes), what or f"输入文件 {path} ", max_bytes=max_bytes)


def control_character(text: str) -> str | None:
    """The first control character of ``text`` as U+XXXX (tab and line breaks allowed), or None."""
    if len(text) >= LONG_TEXT:
        raw = text.encode("utf-8", "surrogatepass")   # a lone surrogate (a JSON \ud800) stays 3 bytes >= 0x80
        if len(raw.translate(None, CONTROL_BYTES)) == len(raw):
            return None
    found = CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _walk(data: object, what: str) -> None:
    stack = [(data, 1, "")]  # iterative: the check itself must not recurse
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            bad = control_character(value)
            if bad:
                raise _refused(f"{'' if path else '顶层的文本'}含控制字符 {bad}（不允许 NUL 等控制字符）", path or None,
                                what=what)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise _refused(f"JSON 嵌套层数过深（上限 {MAX_DEPTH} 层）", what=what)
        if isinstance(value, dict):
            for key, child in value.items():
                here = f"{path}.{key}" if path else str(key)
                bad = control_character(key)
                if bad:
                    raise _refused(f"键 {key!r} 含控制字符 {bad}", here, what=what)
                stack.append((child, depth + 1, here))
        else:
            stack.extend((child, depth + 1, f"{path}[{i}]") for i, child in enumerate(value))


__all__ = ["InputError", "UnreadableInput", "MAX_BYTES", "control_character", "load_file", "loads"]
