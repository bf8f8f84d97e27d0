"""Inputs declared once as pydantic models; parse() turns a model's refusal into InputError(field, message)."""
from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import InputError
from ..wording import wording

M = TypeVar("M", bound=BaseModel)


class Input(BaseModel):
    """The base of every input model: keys it does not declare are kept (hosts send more), never guessed at."""
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def field_path(loc, prefix: str = "") -> str | None:
    """pydantic's ``("attendees", 0, "name")`` as the JSON path ``attendees[0].name`` (under ``prefix``)."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part:
            path = f"{path}.{part}" if path else str(part)
    return path or None


def message(error: dict) -> str:
    """One pydantic error in Chinese (data/wording.json ``input_errors``); a validator's own ValueError is Chinese."""
    kind = error.get("type", "")
    if kind == "value_error":
        cause = (error.get("ctx") or {}).get("error")
        return str(cause) if cause is not None else error.get("msg", "")
    words = wording()["input_errors"]
    text = words.get(kind) or words["_other"]
    ctx = {k: (("、".join(map(str, v)) if isinstance(v, (list, tuple)) else v))
           for k, v in (error.get("ctx") or {}).items()}
    if "expected" in ctx:   # literal_error: "'同意', '修改意见' or '不同意'"
        ctx["expected"] = str(ctx["expected"]).replace("' or '", "、").replace("', '", "、").strip("'")
    try:
        return text.format(**ctx)
    except (KeyError, IndexError):
        return words["_other"]


def refusal(exc: ValidationError, prefix: str = "") -> InputError:
    """The first error of a refusal as the one input-error type (missing fields first: the most useful to fix).

    A validator that raised an InputError itself named the exact field (``attendees[2].name``): it is kept.
    """
    errors = exc.errors(include_url=False)
    first = next((e for e in errors if e.get("type") == "missing"), errors[0])
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, InputError):
        if prefix and cause.field:
            cause.field = f"{prefix}.{cause.field}"
        return cause
    return InputError(field_path(first.get("loc", ()), prefix), message(first), kind=first.get("type"))


def parse(model: type[M], data, prefix: str = "") -> M:
    """Validate ``data`` against ``model``; bad input raises InputError naming the field by its JSON path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise refusal(exc, prefix) from None
