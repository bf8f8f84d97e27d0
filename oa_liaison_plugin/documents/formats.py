"""Which format a file is, from its bytes (never its name), and the one entry to every reader: read_any.

The formats an OA hands over after 签发: the sealed 版式 file (OFD, GB/T 33190; PDF) and the 流式 正文
(.docx, .doc, .wps, .odt, .rtf), and attachments' workbooks (.xlsx). Each has a code (stable: stored with
documents and copies), a Chinese label for clerks, the file extension and the content type a copy of it keeps.
"""
from __future__ import annotations

import importlib
import io
import os
import struct
import zipfile
from dataclasses import dataclass

from .read import MAX_BYTES, MB, DocumentFacts, DocumentReadError, _load, _unreadable

__all__ = ["Format", "FORMATS", "detect", "read_any", "file_name_for"]


@dataclass(frozen=True)
class Format:
    """A file format: ``code``, ``label`` (Chinese), ``extension`` (with the dot), ``content_type``; ``sealed``
    says it is a fixed-layout file that must never be converted (converting breaks the 电子印章)."""
    code: str
    label: str
    extension: str
    content_type: str
    sealed: bool = False


FORMATS = {f.code: f for f in (
    Format("docx", "Word 文档（.docx）", ".docx",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    Format("ofd", "OFD 版式文件", ".ofd", "application/ofd", sealed=True),
    Format("pdf", "PDF 版式文件", ".pdf", "application/pdf", sealed=True),
    Format("doc", "Word 97-2003 文档（.doc）", ".doc", "application/msword"),
    Format("wps", "WPS 文字文档（.wps）", ".wps", "application/vnd.ms-works"),
    Format("odt", "ODF 文本文档（.odt）", ".odt", "application/vnd.oasis.opendocument.text"),
    Format("rtf", "RTF 文档", ".rtf", "application/rtf"),
    Format("xlsx", "Excel 工作簿（.xlsx）", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    Format("unknown", "无法识别的格式", "", "application/octet-stream"),
)}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect(raw: bytes, name: str | None = None) -> Format:
    """The format of a file from its first bytes (and a zip's member names); ``name`` only tells .wps from .doc,
    which share one structure (WPS 2003 and later write Word 97's)."""
    head = raw[:1024]
    if b"%PDF-" in head:
        return FORMATS["pdf"]
    if raw.startswith(_OLE2):
        if (name or "").lower().endswith(".wps"):
            return FORMATS["wps"]
        return FORMATS["doc"]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return FORMATS["rtf"]
    if raw.startswith(b"PK"):
        return FORMATS[_zip_kind(raw)]
    return FORMATS["unknown"]


def _zip_kind(raw: bytes) -> str:
    """docx, ofd or odt from the package's own markers; a broken zip is taken for a .docx (its reader says why)."""
    if raw[30:38] == b"mimetype" and b"application/vnd.oasis.opendocument.text" in raw[38:120]:
        return "odt"
    # The common case without parsing the archive twice (its reader opens it anyway): the central directory
    # names word/document.xml and nothing of another package kind.
    names = _central_directory(raw).lower()
    if b"word/document.xml" in names and not any(k in names for k in (b"ofd.xml", b"xl/workbook", b"content.xml")):
        return "docx"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = {n.lower().replace("\\", "/") for n in zf.namelist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        return "docx"
    if "ofd.xml" in names:
        return "ofd"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        return "odt"
    return "docx"


def _central_directory(raw: bytes) -> bytes:
    """The bytes of a zip's central directory (where every member is named), found from its end record."""
    at = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))
    if at < 0 or at + 22 > len(raw):
        return b""
    size, offset = struct.unpack_from("<II", raw, at + 12)
    return raw[offset:offset + size] if offset + size <= at else raw[max(0, at - size):at]


def file_name_for(name: str | None, fmt: Format, fallback: str = "文件") -> str:
    """A file name that keeps the real format's extension: ``name`` when it already ends so, else with it added
    (a .pdf called ``正文.docx`` by the host becomes ``正文.docx.pdf``, never the other way round)."""
    base = (name or "").strip() or fallback
    if not fmt.extension or base.lower().endswith(fmt.extension):
        return base
    return base + fmt.extension


def read_any(data: bytes | str | os.PathLike, *, name: str | None = None, max_bytes: int = MAX_BYTES,
             nested: bool = False) -> DocumentFacts:
    """Read an issued document in any supported format (the format from the bytes); DocumentReadError otherwise.

    ``facts.format`` is the format's code. ``nested``: a file inside another (an altChunk), which may not nest again.
    """
    if isinstance(data, (str, os.PathLike)):
        try:
            size = os.stat(data).st_size
        except (OSError, ValueError) as exc:
            raise _unreadable(data, exc) from exc
        if size > max_bytes:
            raise DocumentReadError("too_large", f"文件过大（{size / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
        name = name or os.fspath(data)
    raw = _load(data, max_bytes)
    if len(raw) > max_bytes:
        raise DocumentReadError("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    fmt = detect(raw, name)
    try:
        facts = _reader(fmt.code)(raw, max_bytes=max_bytes, nested=nested)
    except DocumentReadError as exc:
        exc.format = fmt.code
        raise
    except Exception as exc:   # last resort: callers only ever see DocumentReadError
        error = DocumentReadError("unreadable", f"{fmt.label}无法读取（文件可能已损坏）")
        error.format = fmt.code
        raise error from exc
    facts.format = fmt.code
    return facts


def _unknown(raw: bytes, **kw) -> DocumentFacts:
    raise DocumentReadError("unknown_format", "无法识别的文件格式（不是 OFD、PDF、Word、WPS、ODT 或 RTF 文件），"
                                              "无法核对密级")


# Each format's reader: module and function, imported on first use (a host sending only .docx loads no PDF engine).
_READERS = {"docx": ("read", "read_docx"), "ofd": ("ofd", "read_ofd"), "pdf": ("pdf", "read_pdf"),
            "doc": ("doc", "read_doc"), "wps": ("doc", "read_doc"), "odt": ("odt", "read_odt"),
            "rtf": ("rtf", "read_rtf"), "xlsx": ("xlsx", "read_xlsx")}


def _reader(code: str):
    if code not in _READERS:
        return _unknown
    module, name = _READERS[code]
    read = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    if code == "docx":
        return read
    return lambda raw, *, max_bytes, nested: read(raw, max_bytes=max_bytes)
