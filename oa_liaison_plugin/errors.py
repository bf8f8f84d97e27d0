"""InputError: bad input naming the field at fault — the one type every entry point maps (form, command, API)."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input. ``field`` names the value at fault (a form field, an option, a JSON path such as
    ``attendees[0]``; None when it is the input as a whole), ``message`` says why, in Chinese; ``where``
    (optional) names what was read, e.g. a rule or a file; ``kind`` (optional) says what is wrong as a code, e.g.
    ``missing`` for a required value left out (the API answers it ``missing_field``).

    ``str()`` is the whole sentence: ``where：字段 field：message``.
    """

    def __init__(self, field: str | None, message: str, *, where: str | None = None, kind: str | None = None):
        self.field, self.message, self.where, self.kind = field, message, where, kind
        super().__init__(message)

    def __str__(self) -> str:
        return "：".join([*([self.where] if self.where else []), *([f"字段 {self.field}"] if self.field else []),
                         self.message])

    @property
    def base(self) -> str | None:
        """The field's first name: ``attendees`` for ``attendees[0].name`` (what a form calls the field)."""
        return self.field.split("[")[0].split(".")[0] if self.field else None
