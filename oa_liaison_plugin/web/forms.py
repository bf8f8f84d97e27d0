"""The panel's form base: Flask-WTF (CSRF) with WTForms' Chinese messages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.i18n import get_translations
from wtforms.validators import Length

from ..errors import InputError
from ..models import max_length
from ..wording import field_phrase, in_peoples_words, wording


class _Chinese:
    """WTForms' Chinese catalogue, with the messages it lacks from data/wording.json (``form_messages``)."""

    def __init__(self, catalogue):
        self.catalogue = catalogue

    def gettext(self, string: str) -> str:
        return wording()["form_messages"].get(string) or self.catalogue.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return wording()["form_messages"].get(singular if n == 1 else plural) or \
            self.catalogue.ngettext(singular, plural, n)


_ZH = _Chinese(get_translations(["zh"]))


class Form(FlaskForm):
    """Every panel form: CSRF token, Chinese validation messages, surrounding whitespace stripped."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _ZH

        def bind_field(self, form, unbound_field, options):
            cls = unbound_field.field_class
            if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
                filters = [_strip, *(f for f in unbound_field.kwargs.get("filters", ()) if f is not _strip)]
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)

    def add_error(self, field: str | None, message: str) -> None:
        """Attach a message to a field, or to the form as a whole."""
        if field and field in self._fields:
            self._fields[field].errors = [*self._fields[field].errors, message]
        else:
            self.form_errors.append(message)

    @property
    def all_errors(self) -> list[str]:
        fields = (f for f in self if f.errors and f.name != "csrf_token")
        return [*self.form_errors, *(f"{f.label.text}：{e}" for f in fields for e in f.errors)]


def input_error(form: Form, exc: InputError, renamed: dict | None = None) -> None:
    """Bad input, shown where it belongs: on the field it names (``renamed`` maps a name to the form's own),
    else above the form, naming the field."""
    name = (renamed or {}).get(exc.base, exc.base)
    labels = {f.name: f.label.text for f in form}
    message = in_peoples_words(exc.message, labels)
    if name in form._fields:
        form.add_error(name, message)
    else:
        where = f"{exc.where}：" if exc.where else ""
        form.add_error(None, where + (f"{field_phrase(exc.field, labels)}：" if exc.field else "") + message)


def fits(attribute) -> Length:
    """A Length validator whose maximum is the width of the column the field is stored in."""
    return Length(max=max_length(attribute))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def lines(text: str | None) -> list[str]:
    """Non-empty lines of a textarea, stripped."""
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def status(form) -> int:
    """400 for a submitted form shown again with its errors, else 200."""
    from flask import request
    return 400 if request.method == "POST" and form.errors else 200


def choices(pairs) -> list:
    """Select options from (value, label) pairs, in the form this WTForms version prefers."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # WTForms < 3.3 takes the pairs as they are
        return list(pairs)
    return [SelectChoice(value=v, label=label) for v, label in pairs]
