"""The production server (waitress) with the API's error shape even for what it refuses before the app."""
from __future__ import annotations

import json

import waitress
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

# What waitress refuses itself (before Flask sees the request), in the API's {"error", "message"} shape.
_ANSWERS = {400: ("bad_request", "请求格式有误（HTTP 请求行或请求头无法解析）"),
            413: ("too_large", "请求体过大（超过服务器的上限，未读取）"),
            431: ("headers_too_large", "请求头过大"),
            501: ("not_implemented", "不支持的传输编码")}


class JsonErrorTask(ErrorTask):
    def execute(self):
        e = self.request.error
        code, message = _ANSWERS.get(e.code, ("server_error", "服务器无法处理此请求"))
        body = json.dumps({"error": code, "message": message}, ensure_ascii=False).encode("utf-8")
        self.status = f"{e.code} {e.reason}"
        self.response_headers.append(("Content-Type", "application/json; charset=utf-8"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):
    error_task_class = JsonErrorTask


def create_server(app, **options):
    """A waitress server for ``app`` whose own refusals (oversized body, bad request line) answer JSON."""
    server = waitress.create_server(app, **options)
    for listener in [server, *getattr(server, "map", {}).values()]:
        if hasattr(listener, "channel_class"):
            listener.channel_class = JsonErrorChannel
    return server


def checkpoint_in_background(app, every: float = 1.0) -> None:
    """SQLite: copy the write-ahead log into the database from a thread of its own, once a second.

    A commit that crosses SQLite's autocheckpoint threshold does the copy itself, and with 50 KB events
    that was every ~80th 202 — the slowest ones. Here the serving connections' threshold is raised, and
    this thread keeps the log short instead (PASSIVE: it never waits for a writer).
    """
    import threading
    import time

    from sqlalchemy import event

    from ..models import db
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA wal_autocheckpoint=20000"))
        engine.dispose()   # connections opened before this get the threshold too

    def run():
        while True:
            time.sleep(every)
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception as exc:   # never the server's problem; the next second tries again
                app.logger.warning("WAL checkpoint: %s", type(exc).__name__)
    threading.Thread(target=run, name="oa-liaison-checkpoint", daemon=True).start()
