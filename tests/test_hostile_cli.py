"""Every command's every option and argument, from click's own tree, given hostile values: no traceback, a known exit."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import conftest
from conftest import DATABASES
from oa_liaison_plugin import cli as cli_module
from oa_liaison_plugin.cli import main

EXITS = {0, 1, 2, 3, 4}
# Commands that serve until stopped: `serve` and `demo` (whose --no-serve still runs the whole demo) are left
# out; `worker` always gets --once, so each run ends by itself.
SKIP = {("serve",), ("demo",)}
# A sane value for each required parameter the walk does not put a hostile value in, so the hostile one
# is read by the command rather than refused before it for a missing sibling.
SANE = {"names": "南部县教育局", "name": "oa1", "unit": "南部县教育局", "committee": "提案委员会", "year": "2017",
        "type_": "document.issued", "state": "done", "meeting_id": "M-1", "submission_id": "S-1", "host_id": "D-1",
        "topic_id": "1", "post": "主任", "due": "2018-01-01", "reason": "原因", "doc_number": "南教函〔2017〕1号",
        "date_": "2017-03-20", "rating": "满意", "opinion": "同意", "committees": "提案委员会",
        "handed_on": "2017-03-20", "handed_by": "张三", "phone": "0817-5512345", "jurisdiction": "nanbu",
        "role": "admin"}
FILE_PARAMS = {"file", "input_path", "input_", "file_", "directory"}
OUT_PARAMS = {"out", "out_path"}


def commands(group: click.Group = main, path: tuple = ()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from commands(cmd, path + (name,))
        elif path + (name,) not in SKIP:
            yield path + (name,), cmd


def hostile(tmp: Path) -> list[str]:
    return ["nan", "inf", "-1", "99999999999999999999999", str(2 ** 63), "0001-01-01", "9999-12-31", "", "x" * 300,
            str(tmp / "missing.json"), str(tmp / "fifo"), str(tmp / "a-directory")]


class FifoWatch:
    """Opens the FIFO for writing whenever someone opens it for reading: a command that would wait on it gets
    an end of file instead of hanging the run (the refusals themselves are tested in test_hardening2.py)."""

    def __init__(self, path: Path):
        self.path, self.opened, self.stop = path, 0, False
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            with open(self.path, "wb"):
                self.opened += 1

    def close(self):
        self.stop = True
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)   # releases the writer's pending open
        self.thread.join()
        os.close(fd)


@pytest.fixture(scope="module", params=DATABASES)
def database(request, tmp_path_factory):
    """SQLite, then PostgreSQL (whose integers overflow where SQLite's do not): one database for the whole walk."""
    with conftest.database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def world(tmp_path_factory, database):
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "a-directory").mkdir()
    (tmp / "in.json").write_text("{}", "utf-8")
    fifo = FifoWatch(tmp / "fifo")
    env = {"OA_LIAISON_INSTANCE_PATH": str(tmp / "instance"), "OA_LIAISON_SECRET_KEY": "k" * 64,
           "OA_LIAISON_WORKER_NICE": "0", "OA_LIAISON_DATABASE_URL": database}   # in process: a renice would slow the rest of the run
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from oa_liaison_plugin.app import create_app
    app = create_app()
    sane = dict(SANE, **_recorded(app))
    try:
        yield tmp, fifo, env, app, sane
    finally:
        fifo.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        from oa_liaison_plugin.models import db
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _recorded(app) -> dict:
    """The panel tests' world (documents, submissions, meetings, topics): the walk reaches past the lookups."""
    from sqlalchemy import select

    from oa_liaison_plugin.models import Document, db
    from test_web_support import build_world
    world = build_world(app)
    with app.app_context():
        held = db.session.scalar(select(Document.host_id).where(Document.id == world["held_document"]))
        db.session.remove()
    return {"submission_id": "sub-1", "meeting_id": "m-1", "host_id": held, "topic_id": str(world["own_topic"])}


def _sane(param: click.Parameter, tmp: Path, sane: dict) -> list[str]:
    if param.name in FILE_PARAMS:
        value = str(tmp / ("a-directory" if param.name == "directory" else "in.json"))
    elif param.name in OUT_PARAMS:
        value = str(tmp / "out.docx")
    elif isinstance(param.type, click.Choice):
        value = str(param.type.choices[0])
    else:
        value = sane.get(param.name, "x")
    return [value] if isinstance(param, click.Argument) else [param.opts[0], value]


def _argv(path, cmd, target: click.Parameter | None, value: str | None, tmp: Path, sane: dict) -> list[str]:
    args, opts = [], []
    for p in cmd.params:
        if p is target:
            given = [value] if isinstance(p, click.Argument) else [p.opts[0]] if p.is_flag else [p.opts[0], value]
        elif p.required:
            given = _sane(p, tmp, sane)
        else:
            continue
        (args if isinstance(p, click.Argument) else opts).extend(given)
    if path == ("worker",):
        opts.append("--once")
    return [*path, *opts, "--", *args] if args else [*path, *opts]


def _runs(path, cmd, tmp: Path):
    for p in cmd.params:
        if p.name == "help" or getattr(p, "hidden", False):
            continue
        if getattr(p, "is_flag", False):
            yield p, None
        else:
            for value in hostile(tmp):
                yield p, value


COMMANDS = list(commands())


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_every_option_of_every_command_survives_hostile_values(world, monkeypatch, path, cmd):
    tmp, fifo, env, app, sane = world
    monkeypatch.chdir(tmp)   # a hostile --out such as "nan" is a relative path: it lands here, not in the checkout
    monkeypatch.setattr(cli_module.Ctx, "app", property(lambda self: app))   # one app: the walk is about commands
    runner = CliRunner()
    trouble = []
    for param, value in _runs(path, cmd, tmp):
        argv = _argv(path, cmd, param, value, tmp, sane)
        result = runner.invoke(main, argv, input="", env=env, catch_exceptions=True)
        out = result.output   # stdout and stderr as they came
        escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
        if escaped or "Traceback" in out or result.exit_code not in EXITS:
            trouble.append((argv, result.exit_code, repr(result.exception), out[-300:]))
    assert not trouble, "\n".join(map(str, trouble))


@pytest.mark.parametrize("kind", ["missing", "fifo", "a-directory-file", "dev-null", "proc"])
def test_every_instance_folder_is_used_or_refused_clearly(tmp_path, kind):
    folder = {"missing": str(tmp_path / "new" / "deeper"), "fifo": str(tmp_path / "fifo"),
              "a-directory-file": str(tmp_path / "file"), "dev-null": "/dev/null", "proc": "/proc/1"}[kind]
    if kind == "fifo":
        os.mkfifo(folder)
    if kind == "a-directory-file":
        Path(folder).write_text("x")
    result = CliRunner().invoke(main, ["--instance", folder, "db", "current"],
                                env={"OA_LIAISON_SECRET_KEY": "k" * 64}, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in ({0} if kind == "missing" else {1, 2}), result.output
    assert "Traceback" not in result.output
