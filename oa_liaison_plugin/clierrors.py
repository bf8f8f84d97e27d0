"""The command line's one mapping of InputError: exit 2, a Chinese message naming the option or field."""
from __future__ import annotations

import functools
import json
import sys

import click

from .errors import InputError

EXIT_INPUT = 2


def located(command: click.Command, exc: InputError) -> str:
    """The message, naming the command-line option when the field is one (``参数 --due：…``), else the field."""
    for p in command.params:
        names = {p.name, *(o.lstrip("-").replace("-", "_") for o in p.opts)}
        if exc.field in names:
            label = p.opts[0] if isinstance(p, click.Option) else p.human_readable_name
            return f"参数 {label}：{exc.message}"
    return str(exc)


def _mapped(command: click.Command):
    callback = command.callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except InputError as exc:
            text = located(command, exc)
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": text, "field": exc.field}, ensure_ascii=False, indent=2))
            click.echo(f"错误：{text}", err=True)
            sys.exit(EXIT_INPUT)
    return run


def map_input_errors(group: click.Group) -> None:
    """Give every command of ``group`` (and its subgroups) the mapping: bad input is exit 2, never a traceback;
    with ``--json`` also ``{"error", "field"}`` on standard output."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            map_input_errors(command)
        elif command.callback is not None:
            command.callback = _mapped(command)
