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
