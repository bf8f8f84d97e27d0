"""A host connected over HTTP as an administrator registers it: name, county, callback URL, file origins, settings."""

# No "from __future__ import annotations": pydantic reads the Annotated checks below at class creation.
import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field

from ..models import HttpHost, max_length
from . import Input

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def origin(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL (default ports dropped), else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{parts.hostname.lower()}" + (f":{port}" if port and port != default else "")


def _name(value: str) -> str:
    if not NAME.match(value):
        raise ValueError("主机名只能用小写字母、数字、-、_、.，以字母或数字开头，最长 64 个字符")
    return value


def _callback_url(value: str | None) -> str | None:
    if not value:
        return None
    limit = max_length(HttpHost.callback_url)
    if len(value) > limit:
        raise ValueError(f"回调地址过长：{len(value)} 个字符，最多 {limit} 个")
    if origin(value) is None:
        raise ValueError(f"回调地址应为 http(s) URL：{value}")
    return value


def _origin(value: str) -> str:
    norm = origin(value)
    if norm is None or urlsplit(value.strip()).path not in ("", "/"):
        raise ValueError(f"允许的文件来源应为 http(s)://主机[:端口]：{value}")
    return norm


def _absent_is_empty(value):
    return [] if value is None else list(value) if isinstance(value, tuple) else value


CallbackUrl = Annotated[str | None, AfterValidator(_callback_url)]


class CallbackUrlInput(Input):
    """Where the host receives copies, notifications and decisions (empty: nowhere)."""
    callback_url: CallbackUrl = Field(None, description="回调地址")


class HostInput(CallbackUrlInput):
    """A new host (``hosts add``, the panel's 接入主机 form)."""
    name: Annotated[str, AfterValidator(_name)] = Field(description="主机名")
    jurisdiction: str = Field(description="行政区代码")
    allow_origin: Annotated[list[Annotated[str, AfterValidator(_origin)]], BeforeValidator(_absent_is_empty)] = Field(
        default_factory=list, description="允许的文件来源（file_url 只从这些来源取）")
    require_file: bool | None = Field(None, description="是否要求附正文文件（空：按系统设置）")
    decisions: bool = Field(False, description="是否接收判断回调 liaison.decision")
