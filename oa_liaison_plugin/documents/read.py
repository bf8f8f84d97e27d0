"""Fast, hardened reader of issued .docx files (zipfile + lxml) and GB/T 9704 heuristics over their text."""
from __future__ import annotations

import bisect
import datetime
import html
import io
import math
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable

from lxml import etree

from ..numerals import cn_value as _cn_number
from .secrecy import INVISIBLE, MAX_LINE, Mark, find_marks, strictest

__all__ = ["DocumentReadError", "DocumentFacts", "read_docx", "extract_facts", "DOC_TYPES"]

MB = 1024 * 1024
MAX_BYTES = 50 * MB            # the .docx file itself
MAX_UNCOMPRESSED = 200 * MB    # declared total of all members, and the cap on what is actually inflated
MAX_RATIO = 200                # per member, for members over RATIO_FLOOR
RATIO_FLOOR = 1 * MB           # small members may compress well without harm
MAX_MEMBERS = 10_000
SMALL_PART = 2 * MB            # cap for docProps/core.xml and _rels/.rels
SIDE_PART = 20 * MB            # cap for a header, footer, footnotes, endnotes or comments part
CHUNK = 256 * 1024

_MESSAGES = {
    "not_zip": "文件不是有效的 .docx（不是 zip 压缩包）",
    "truncated": "文件不完整或已损坏（压缩包被截断），请重新导出后上传",
    "too_large": "文件过大，已拒绝读取",
    "zip_bomb": "文件解压后体积异常（疑似压缩炸弹），已拒绝读取",
    "forbidden_xml": "文件含有不允许的 XML 声明（DTD 或实体定义），已拒绝读取",
    "not_docx": "压缩包中没有 Word 正文（word/document.xml），不是 .docx 文件",
    "legacy_doc": "这是旧版 Word 文件（.doc），请在 Word/WPS 中另存为 .docx 后再上传",
    "encrypted": "文件已加密（设有打开密码），请取消密码后再上传",
    "bad_xml": "文件内容已损坏（正文 XML 无法解析）",
    "bad_part": "文件内容已损坏（页眉、页脚、脚注或批注的 XML 无法解析）",
    "empty_body": "文件正文为空",
    "unreadable": "无法读取文件",
}


class DocumentReadError(Exception):
    """A .docx that cannot be read; ``code`` is stable (see ``_MESSAGES``), ``message`` is for a clerk."""

    format: str | None = None   # the format it was read as (documents/formats.py), when read_any knew it

    def __init__(self, code: str, message: str | None = None):
        self.code = code
        self.message = message or _MESSAGES.get(code, "文件无法读取")
        super().__init__(f"{code}: {self.message}")


@dataclass
class DocumentFacts:
    """What the text of an issued document says about itself (every field may be missing)."""
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    main_recipients: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    secrecy: str | None = None
    secrecy_period: str | None = None
    copy_number: str | None = None
    urgency: str | None = None
    note: str | None = None
    doc_type: str | None = None
    issued_on: datetime.date | None = None
    body: str = ""
    page_estimate: int = 0
    attachments: list[str] = field(default_factory=list)
    # Every 密级 mark found in any part of the file (see documents/secrecy.py for ``where``); ``secrecy`` and
    # ``secrecy_period`` are the strictest mark's.
    secrecy_marks: list[Mark] = field(default_factory=list)
    format: str | None = None    # the format read, from the bytes (see documents/formats.py)


# ---------------------------------------------------------------------------------------- reading

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORBIDDEN = re.compile(b"<!(?:DOCTYPE|ENTITY)")
_FORBIDDEN_UTF16 = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-16-le", "utf-16-be"))


def _fail(code: str, message: str | None = None) -> DocumentReadError:
    return DocumentReadError(code, message)


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers must not be shared between threads, and this costs microseconds.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, collect_ids=False)


def _parse_xml(raw: bytes) -> etree._Element:
    """Hardened parse: any DTD or entity declaration is refused before and after parsing."""
    # UTF-16 spellings only where NUL bytes show the text is UTF-16 (UTF-8 never has them).
    if _FORBIDDEN.search(raw) or (b"\x00" in raw and any(m in raw for m in _FORBIDDEN_UTF16)):
        raise _fail("forbidden_xml")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise _fail("bad_xml") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _fail("forbidden_xml")
    return root


def _shown(path) -> str:
    name = os.fspath(path)
    return name if len(name) <= 120 else name[:117] + "..."


def _unreadable(path, exc: Exception) -> DocumentReadError:
    return _fail("unreadable", f"无法读取文件：{_shown(path)}（{getattr(exc, 'strerror', None) or exc}）")


def _load(data, max_bytes: int) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, (str, os.PathLike)):
        try:
            with open(data, "rb") as fh:
                raw = fh.read(max_bytes + 1)
        except (OSError, ValueError) as exc:   # ValueError: a NUL in the path
            raise _unreadable(data, exc) from exc
        return raw
    raise TypeError(f"read_docx() takes bytes or a path, not {type(data).__name__}")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, max_ratio: float) -> bytes:
    """Inflate one member in chunks, trusting no header: stop past ``limit`` or a bomb-like ratio."""
    if info.flag_bits & 0x1:
        raise _fail("encrypted")
    ratio_cap = max(RATIO_FLOOR, max_ratio * max(info.compress_size, 1))
    chunks, total = [], 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit or total > ratio_cap:
                raise _fail("zip_bomb")
            chunks.append(chunk)
    return b"".join(chunks)


def _main_part(zf: zipfile.ZipFile, names: dict, max_ratio: float) -> str:
    """The officeDocument target named by _rels/.rels, else word/document.xml."""
    rels = names.get("_rels/.rels")
    if rels is not None:
        # Package relationships are boilerplate: every file a given Word or WPS writes carries the same
        # bytes. So the answer is remembered by the member's CRC-32 and sizes from the central directory;
        # only answers of a successful hardened parse are kept, and a forged match can only name a part
        # that this file has anyway (checked below).
        key = (rels.CRC, rels.file_size, rels.compress_size, rels.flag_bits)
        targets = _RELS_TARGETS.get(key)
        if targets is None:
            targets = _office_documents(zf, rels, max_ratio)
            if len(_RELS_TARGETS) >= 256:
                _RELS_TARGETS.clear()
            _RELS_TARGETS[key] = targets
        for target in targets:
            if target in names:
                return target
    return "word/document.xml"


_RELS_TARGETS: dict[tuple, tuple[str, ...]] = {}


def _office_documents(zf: zipfile.ZipFile, rels: zipfile.ZipInfo, max_ratio: float) -> tuple[str, ...]:
    try:
        root = _parse_xml(_read_member(zf, rels, SMALL_PART, max_ratio))
    except DocumentReadError as exc:
        if exc.code in ("forbidden_xml", "encrypted", "zip_bomb"):
            raise
        return ()
    return tuple((rel.get("Target") or "").lstrip("/") for rel in root.iter(f"{{{_REL_NS}}}Relationship")
                 if (rel.get("Type") or "").endswith("/officeDocument"))


def _small_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_ratio: float) -> bytes | None:
    try:
        return _read_member(zf, info, SMALL_PART, max_ratio)
    except DocumentReadError as exc:
        if exc.code in ("encrypted", "zip_bomb"):
            raise
        return None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
        return None


def _small_root(raw: bytes | None) -> etree._Element | None:
    """A small part parsed with the same hardening: a damaged one is skipped, a hostile one refused."""
    if raw is None:
        return None
    try:
        return _parse_xml(raw)
    except DocumentReadError as exc:
        if exc.code == "forbidden_xml":
            raise
        return None


_CORE_FIELDS = tuple(f"{{{ns}}}{tag}" for ns, tag in (
    ("http://purl.org/dc/elements/1.1/", "title"), ("http://purl.org/dc/elements/1.1/", "subject"),
    ("http://purl.org/dc/elements/1.1/", "description"),
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "keywords"),
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "category"),
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "contentStatus")))
_PROPERTY_SPLIT = re.compile(r"[;；,，、\n]")
# Custom property names that carry a 密级 (OA add-ins write 密级; others the English words).
_SECRECY_PROPERTY = re.compile(r"密|classif|secre|confiden|security", re.IGNORECASE)
_SECRECY_BYTES = ("密".encode(), b"classif", b"secre", b"confiden", b"security")


def _worth_parsing(raw: bytes | None) -> bool:
    """Only a part that may hold a mark is parsed (a UTF-16 one always): most hold none, and parsing costs."""
    if raw is None:
        return False
    low = raw.lower()   # C passes; a case-insensitive regex over the bytes costs ten times more
    return b"\x00" in raw or any(k in low for k in _SECRECY_BYTES)


class _Properties:
    """docProps/core.xml's title (on demand) and the 密级 marks written into the core and custom properties."""

    def __init__(self, zf: zipfile.ZipFile, names: dict, max_ratio: float):
        self.marks: list[Mark] = []
        self._core_root = None
        info = names.get("docProps/core.xml")
        self._core = _small_bytes(zf, info, max_ratio) if info is not None else None
        if _worth_parsing(self._core):
            root = self._core_root = _small_root(self._core)
            for el in root if root is not None else ():
                if el.tag in _CORE_FIELDS and el.text and "密" in el.text:
                    self.marks += find_marks(_PROPERTY_SPLIT.split(el.text), "properties")
        info = names.get("docProps/custom.xml")
        raw = _small_bytes(zf, info, max_ratio) if info is not None else None
        root = _small_root(raw) if _worth_parsing(raw) else None
        for prop in root if root is not None else ():
            value = "".join(prop.itertext()).strip()
            if not value:
                continue
            found = find_marks(_PROPERTY_SPLIT.split(value), "properties")
            if not found and _SECRECY_PROPERTY.search(prop.get("name") or ""):
                level = strictest([value])
                if level is not None:
                    found = [Mark(level, None, f"{prop.get('name')}：{value}"[:60], "properties")]
            self.marks += found

    def title(self) -> str | None:
        if self._core_root is None:
            self._core_root = _small_root(self._core)
        root = self._core_root
        el = root.find(_DC_TITLE) if root is not None else None
        title = (el.text or "").strip() if el is not None else ""
        return title or None


_PART_KINDS = {"header": "header", "footer": "footer", "footnotes": "footnote", "endnotes": "endnote",
               "comments": "comment"}
_SIDE_NAME = re.compile(r"word/(header|footer)\d*\.xml$")
_SIDE_TARGETS: dict[tuple, tuple[tuple[str, str], ...]] = {}


def _side_parts(zf: zipfile.ZipFile, names: dict, main: str, max_ratio: float) -> list[tuple[str, str]]:
    """(where, member) for every header, footer, footnotes, endnotes and comments part: those the main part's
    relationships name, and any word/header*.xml or word/footer*.xml besides (a mark there still counts)."""
    folder, _, base = main.rpartition("/")
    out: dict[str, str] = {}
    info = names.get(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
    if info is not None:
        # Remembered like _RELS_TARGETS: documents from one template carry the same relationships.
        key = (main, info.CRC, info.file_size, info.compress_size, info.flag_bits)
        targets = _SIDE_TARGETS.get(key)
        if targets is None:
            targets = _rel_targets(_small_root(_small_bytes(zf, info, max_ratio)), folder)
            if len(_SIDE_TARGETS) >= 256:
                _SIDE_TARGETS.clear()
            _SIDE_TARGETS[key] = targets
        for path, kind in targets:
            if path in names:
                out.setdefault(path, kind)
    for name in names:
        if name.startswith(("word/header", "word/footer")) and (m := _SIDE_NAME.match(name)):
            out.setdefault(name, m.group(1))
    return [(kind, name) for name, kind in out.items()]


_ALT_CHUNK = "/aFChunk"


def _alt_chunks(zf, names: dict, main: str, max_uncompressed: int, max_ratio: float) -> list[tuple[str, list[str]]]:
    """The text of every altChunk part (HTML, plain text, RTF or a whole .docx Word merges into the body)."""
    folder, _, base = main.rpartition("/")
    info = names.get(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
    root = _small_root(_small_bytes(zf, info, max_ratio)) if info is not None else None
    out = []
    for rel in root.iter(f"{{{_REL_NS}}}Relationship") if root is not None else ():
        target = rel.get("Target") or ""
        if not (rel.get("Type") or "").endswith(_ALT_CHUNK) or rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else _join(folder, target)
        if path not in names:
            continue
        raw = _read_member(zf, names[path], min(SIDE_PART, max_uncompressed), max_ratio)
        out.append(("altchunk", _chunk_lines(raw)))
    return out


def _chunk_lines(raw: bytes) -> list[str]:
    """An altChunk's text as lines, whatever it holds (its format from its bytes, like any file)."""
    from .formats import read_any
    if raw.startswith((b"PK", b"{\\rtf")):
        try:
            inner = read_any(raw, nested=True)
            # its body, and the lines of the marks found anywhere in it (a header, properties...)
            return inner.body.split("\n") + [m.text for m in inner.secrecy_marks]
        except DocumentReadError as exc:
            raise _fail("bad_part", f"文件内嵌的另一文档（altChunk）无法读取：{exc.message}") from exc
    text = _decode_text(raw)
    if "<" in text:   # HTML or MHT: block ends become line ends, tags and entities go
        text = re.sub(r"(?i)<br\s*/?>|</(?:p|div|h[1-6]|li|tr|td|th|title)>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return text.splitlines()


def _decode_text(raw: bytes) -> str:
    for enc in ("utf-8-sig", "utf-16") if not raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-16",):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("gb18030", errors="replace")


def _rel_targets(root: etree._Element | None, folder: str) -> tuple[tuple[str, str], ...]:
    out = []
    for rel in root.iter(f"{{{_REL_NS}}}Relationship") if root is not None else ():
        kind = _PART_KINDS.get((rel.get("Type") or "").rpartition("/")[2])
        target = rel.get("Target") or ""
        if kind is not None and rel.get("TargetMode") != "External":
            out.append((target.lstrip("/") if target.startswith("/") else _join(folder, target), kind))
    return tuple(out)


def _join(folder: str, target: str) -> str:
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)


# Compiled once; XSLT objects may be shared between threads. No file or network access, ever.
_XSL = resources.files(__package__).joinpath("paragraphs.xsl").read_bytes()
_TEXT = etree.XSLT(etree.fromstring(_XSL), access_control=etree.XSLTAccessControl.DENY_ALL)
# The text as a person sees it where a part hides runs (w:vanish) or sets ruby: hidden runs and the ruby's
# phonetic text (w:rt) left out. Only parts holding those pay for the extra templates (they would cost every run).
_SEEN_RULES = b"""
  <xsl:template match="w:r[w:rPr/w:vanish[not(@w:val='0' or @w:val='false' or @w:val='off')]]
                       | s:r[s:rPr/s:vanish[not(@s:val='0' or @s:val='false' or @s:val='off')]]" mode="text"/>
  <xsl:template match="w:rt | s:rt" mode="text"/>
</xsl:stylesheet>"""
_TEXT_SEEN = etree.XSLT(etree.fromstring(_XSL.replace(b"</xsl:stylesheet>", _SEEN_RULES)),
                        access_control=etree.XSLTAccessControl.DENY_ALL)


def _hides(raw: bytes) -> bool:
    """A part with hidden runs or ruby, whose text a person sees differs from all of its text."""
    return b"vanish" in raw or b"ruby" in raw


def _paragraphs(root: etree._Element, places: dict[str, list[str]] | None = None, seen: bool = False) -> list[str]:
    """The body's text as lines: one per w:p (see paragraphs.xsl), split again at w:br/w:cr."""
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else _W
    if ns not in (_W, _W_STRICT) or root.tag != f"{{{ns}}}document":
        raise _fail("not_docx", "文件不是 Word 文档（正文根元素不是 w:document）")
    if root.find(f"{{{ns}}}body") is None:
        raise _fail("empty_body")
    return _lines(root, places, seen)


_COMBINED = re.compile("\ufdd1([^\ufdd1\t]*)\t([^\ufdd1\t]*)\ufdd1(?:\\1\\2)?")


def _lines(root: etree._Element, places: dict[str, list[str]] | None = None, seen: bool = False) -> list[str]:
    """Any part's text as lines (see paragraphs.xsl); ``places`` gets each placed line's places, in order.

    ``seen``: as a person sees it (no hidden runs, no ruby text); else all of the text.
    """
    text = bytes((_TEXT_SEEN if seen else _TEXT)(root)).decode("utf-8")
    if "\ufdd1" in text:   # 双行合一: keep the copy split in halves, drop the run's own text after it
        text = _COMBINED.sub(r"\1\t\2", text)
    lines = text[:-1].split("\n") if text else []
    if "\ufdd0" in text:   # only where a table, text box... holds a 密
        for i, line in enumerate(lines):
            if "\ufdd0" in line:
                parts = line.split("\ufdd0")
                lines[i] = "".join(parts[0::2])
                if places is not None:
                    places.setdefault(lines[i].strip(), []).append(parts[-2])
    return lines


def read_docx(data: bytes | str | os.PathLike, *, max_bytes: int = MAX_BYTES,
              max_uncompressed: int = MAX_UNCOMPRESSED, max_ratio: float = MAX_RATIO,
              nested: bool = False) -> DocumentFacts:
    """Read an issued .docx (bytes or a path) safely and return its facts.

    ``nested``: the .docx stands inside another as an altChunk; one that holds an altChunk again is refused.

    Raises :class:`DocumentReadError` (and nothing else) for any bad input; ``TypeError`` only when
    ``data`` is neither bytes nor a path.
    """
    if isinstance(data, (str, os.PathLike)):
        try:
            size = os.stat(data).st_size
        except (OSError, ValueError) as exc:   # ValueError: a NUL in the path
            raise _unreadable(data, exc) from exc
        if size > max_bytes:
            raise _fail("too_large", f"文件过大（{size / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    raw = _load(data, max_bytes)
    if len(raw) > max_bytes:
        raise _fail("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    stage = "not_zip"
    try:
        if raw.startswith(_OLE2):
            # An encrypted .docx is an OLE2 container holding an "EncryptedPackage" stream.
            raise _fail("encrypted" if "EncryptedPackage".encode("utf-16-le") in raw else "legacy_doc")
        stage = "truncated"
        with open_zip(raw, max_uncompressed=max_uncompressed, max_ratio=max_ratio) as (zf, names):
            target = _main_part(zf, names, max_ratio)
            if target not in names:
                raise _fail("not_docx")
            xml = _read_member(zf, names[target], max_uncompressed, max_ratio)
            stage = "bad_xml"
            places: dict[str, list[str]] = {}
            root, hides = _parse_xml(xml), _hides(xml)
            paragraphs = _paragraphs(root, places, seen=hides)
            if not any(p.strip() for p in paragraphs):
                raise _fail("empty_body")
            # Stricter wins: what a person sees decides the facts, and all of the text is scanned for marks too.
            scan = [("hidden", _lines(root))] if hides else []
            side = []
            for where, name in _side_parts(zf, names, target, max_ratio):
                try:
                    raw_part = _read_member(zf, names[name], min(SIDE_PART, max_uncompressed), max_ratio)
                    part = _parse_xml(raw_part)
                except DocumentReadError as exc:
                    raise _fail("bad_part") if exc.code == "bad_xml" else exc
                side.append((where, _lines(part, seen=_hides(raw_part))))
                if _hides(raw_part):
                    scan.append(("hidden", _lines(part)))
            if b"altChunk" in xml:
                if nested:
                    raise _fail("ambiguous", "文件内嵌的文档又内嵌了文档（altChunk 套 altChunk），无法确定文件真实内容")
                scan += _alt_chunks(zf, names, target, max_uncompressed, max_ratio)
            props = _Properties(zf, names, max_ratio)
            return facts_from_parts(paragraphs, side=side, marks=props.marks, title=props.title, places=places,
                                    scan=scan, format="docx")
    except DocumentReadError:
        raise
    except RuntimeError as exc:          # zipfile: "... is encrypted, password required"
        if "encrypt" in str(exc) or "password" in str(exc):
            raise _fail("encrypted") from exc
        raise _fail(stage) from exc
    except NotImplementedError as exc:   # e.g. deflate64 / an unknown compression method
        raise _fail("not_docx", "压缩包使用了不支持的压缩方式，请在 Word/WPS 中重新保存为 .docx") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as exc:
        raise _fail(stage) from exc
    except MemoryError as exc:
        raise _fail("zip_bomb") from exc
    except Exception as exc:             # last resort: callers must only ever see DocumentReadError
        raise _fail(stage) from exc


class open_zip:
    """``with open_zip(raw) as (zf, names):`` a zip package opened with the hardening every zip-based format shares.

    Refuses (DocumentReadError): not a zip (``not_zip``/``truncated``), too many members, a declared total or a
    member's ratio like a bomb (``zip_bomb``), and two entries of one name or a central directory that names a
    member differently from its local header (``ambiguous``: another program may read the other copy). ``names``
    maps each member name to its ZipInfo.
    """

    def __init__(self, raw: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED, max_ratio: float = MAX_RATIO):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(raw))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise _fail("truncated" if raw.startswith(b"PK") else "not_zip") from exc
        try:
            infos = self.zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _fail("zip_bomb", f"压缩包成员过多（{len(infos)} 个），已拒绝读取")
            if sum(i.file_size for i in infos) > max_uncompressed:
                raise _fail("zip_bomb")
            for i in infos:
                if i.file_size > RATIO_FLOOR and i.file_size > max_ratio * max(i.compress_size, 1):
                    raise _fail("zip_bomb")
            self.names = {}
            for i in infos:
                key = i.filename.replace("\\", "/").lower()
                if key in self.names:
                    raise _fail("ambiguous", f"压缩包内有两个同名成员（{_shown(i.filename)}），不同软件会读到不同内容，"
                                             "无法确定文件真实内容")
                self.names[key] = i
            self.names = {i.filename: i for i in infos}
        except BaseException:
            self.zf.close()
            raise

    def __enter__(self):
        return self.zf, self.names

    def __exit__(self, *exc):
        self.zf.close()
        return False


def visible(line: str) -> str:
    """A line as a person sees it: zero-width characters, soft hyphens, direction and variation marks removed."""
    return INVISIBLE.sub("", line) if INVISIBLE.search(line) else line


def facts_from_parts(lines: list[str], *, side=(), marks=(), title=None, places=None, scan=(),
                     format: str | None = None) -> DocumentFacts:
    """The facts of a file whose text a reader has laid out as lines; every reader ends here.

    ``lines``: the body's lines in reading order; ``side``: ``(where, lines)`` of the parts around it (``header``,
    ``footer``, ``footnote``...: scanned for marks, and the headers give the 版头 when the body has none);
    ``marks``: marks the reader found itself (metadata, custom tags); ``title``: the metadata title (or a function
    that reads it), the fallback title; ``places``: from docx's paragraphs.xsl; ``scan``: ``(where, lines)`` read
    only for marks (an OFD's text in file order beside position order).
    Invisible characters are taken out of every line first, so a mark reads as a person sees it.
    """
    lines = [visible(x) for x in lines]
    side = [(where, [visible(x) for x in part]) for where, part in side]
    facts = extract_facts(lines, title)
    facts.format = format
    if places:
        _placed(places, facts.secrecy_marks)
    heads = [line for where, part in side if where == "header" for line in part]
    if (facts.doc_number is None or facts.issuer is None) and any(map(str.strip, heads)):
        _from_header(facts, heads, lines, title)
    found = [m for where, part in side for m in find_marks(part, where)]
    seen = {(m.level, m.text) for m in facts.secrecy_marks + found}
    for where, part in scan:
        for m in find_marks([visible(x) for x in part], where):
            if (m.level, m.text) not in seen:
                seen.add((m.level, m.text))
                found.append(m)
    _set_secrecy(facts, facts.secrecy_marks + found + list(marks))
    return facts


def _from_header(facts: DocumentFacts, heads: list[str], paragraphs: list[str], core_title) -> None:
    """The 版头 (issuer, 文号, marks) read from the headers placed above the body, when the body has none."""
    again = extract_facts(heads + list(paragraphs), core_title)
    if again.doc_number and facts.doc_number is None:
        facts.doc_number = again.doc_number
        facts.issuer = again.issuer or facts.issuer    # the 发文机关标志 beats a signature
    facts.issuer = facts.issuer or again.issuer
    facts.title = facts.title or again.title
    facts.copy_number = facts.copy_number or again.copy_number
    facts.urgency = facts.urgency or again.urgency
    facts.doc_type = facts.doc_type or again.doc_type


def _set_secrecy(facts: DocumentFacts, marks: list[Mark]) -> None:
    """``secrecy`` and ``secrecy_period`` become the strictest mark's (the period may come from another mark
    of that level)."""
    facts.secrecy_marks = marks
    level = strictest(m.level for m in marks)
    if level is None:
        return
    periods = [m.period for m in marks if m.level == level and m.period]
    if facts.secrecy != level:
        facts.secrecy, facts.secrecy_period = level, None
    facts.secrecy_period = periods[0] if periods else facts.secrecy_period


def _placed(places: dict[str, list[str]], marks: list[Mark]) -> None:
    """Name the place (table, textbox, ...) of each body mark from the places paragraphs.xsl gave its line."""
    for k, mark in enumerate(marks):
        if mark.where == "body":
            for line, where in places.items():
                if mark.text in line and where:
                    marks[k] = Mark(mark.level, mark.period, mark.text, where.pop(0))
                    break


# ------------------------------------------------------------------------------------- heuristics

DOC_TYPES = ("决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示", "批复",
             "议案", "函", "纪要")
_TYPE_END = re.compile(r"(决议|决定|命令|令|公报|公告|通告|意见|通知|通报|报告|请示|批复|议案|函|纪要)$")

# Length-preserving width fold: full-width ASCII -> ASCII, ideographic space -> space.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _fold(s: str) -> str:
    """Length-preserving width fold: full-width ASCII -> ASCII, ideographic space -> space.

    The common marks go by str.replace and a regex finds the rest: str.translate with a dict pays a
    failed look-up for every other (Chinese) character.
    """
    for c, folded in _COMMON_FULL_WIDTH:
        s = s.replace(c, folded)
    return _FULL_WIDTH.sub(_fold_one, s)


# Full-width marks that fill official prose go by str.replace; the regex then rarely finds anything.
_COMMON_FULL_WIDTH = tuple((c, chr(ord(c) - 0xFEE0)) for c in "，：；（）！？")


def _fold_one(m: re.Match) -> str:
    c = ord(m.group())
    return " " if c == 0x3000 else chr(c - 0xFEE0)


def _squeeze(s: str) -> str:
    """All whitespace removed (str.split knows the same Unicode spaces as \\s, 4x faster than re.sub)."""
    return "".join(s.split())


_DAY = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE = rf"(\d{{4}}|[〇○零O一二三四五六七八九]{{4}})年{_DAY}月{_DAY}日"
_DATE_LINE = re.compile(rf"^{_DATE}$")
_PRINTED = re.compile(rf"^(.*?){_DATE}印发$")
_DOC_NO = re.compile(r"^(?P<code>[\u4e00-\u9fffA-Za-z]{1,20})[〔\[(﹝【](?P<year>\d{4})[〕\])﹞】]"
                     r"第?(?P<num>\d{1,6})号(?:签发人:?(?P<signer>.*))?$")
_MARKER = re.compile(
    r"^(?:份号:?)?(?P<copy>\d{1,8})?"
    r"(?:(?:密[级級]:?)?(?P<secrecy>[绝絕机機]密|秘密)"
    r"(?:[★☆*]?(?:保密期限:?)?(?P<period>[长長]期|[0-9一二三四五六七八九十]+(?:年|个月|個月|月)))?[★☆*]?)?"
    r"(?:保密期限:?(?P<period2>[长長]期|[0-9一二三四五六七八九十]+(?:年|个月|個月|月)))?"
    r"(?:(?:紧急程度:?)?(?P<urgency>特急|加急))?$")
# The 份号/密级/紧急程度 standing before the 发文字号 on its line (信函格式, GB/T 9704 §10.1).
_MARKER_PREFIX = re.compile(_MARKER.pattern[:-1])
_GAP = re.compile(r"\s{2,}|\t|\u3000")
_SIGNER = re.compile(r"^签发人:?")
_NOTE = re.compile(r"^\((.+)\)$")
_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")
_NUMBERED = re.compile(r"^\d{1,3}[.、]")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")
_ORG_END = ("局", "委", "办", "室", "府", "会", "院", "部", "厅", "处", "中心", "所", "站", "队", "社", "馆",
            "校", "协", "联", "组", "司", "行", "厂", "署", "团", "园", "庭", "宫", "台", "党", "支部")
_SPLIT_OPEN, _SPLIT_CLOSE = set("(（〔[［【《<"), set(")）〕]］】》>")
_SEPARATORS = set("、，,；;")
_PUNCT_END = tuple("。.;；,，:：!！?？")
_BODY_END = tuple("。.;；")


_TRADITIONAL = str.maketrans("絕機長個", "绝机长个")


def _simplified(s: str | None) -> str | None:
    """Traditional forms seen in 密级 marks (絕密、機密、長期) folded to the simplified ones."""
    return s.translate(_TRADITIONAL) if s else s


def _date(m: re.Match, first: int = 1) -> datetime.date | None:
    try:
        return datetime.date(_cn_number(m.group(first)), _cn_number(m.group(first + 1)),
                             _cn_number(m.group(first + 2)))
    except (ValueError, KeyError):
        return None


def _split_names(s: str) -> list[str]:
    """Split a recipients list on 、，,；; outside brackets; strip trailing ：。 from each name."""
    out, buf, depth = [], [], 0
    for ch in s:
        if ch in _SPLIT_OPEN:
            depth += 1
        elif ch in _SPLIT_CLOSE:
            depth = max(0, depth - 1)
        if ch in _SEPARATORS and depth == 0:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    names = [n.strip().rstrip("：:。.，,；;").strip() for n in out]
    return [n for n in names if n]


def _doc_type(title: str | None) -> str | None:
    if not title:
        return None
    t = _fold(_squeeze(title)).rstrip("。.")
    for _ in range(2):   # "……的通知(征求意见稿)" / "……的通知（试行）"
        if _TYPE_END.search(t):
            break
        t = _TRAILING_BRACKET.sub("", t)
    m = _TYPE_END.search(t)
    if not m:
        return None
    return "命令" if m.group(1) == "令" else m.group(1)


def _is_marker(f: str) -> re.Match | None:
    m = _MARKER.match(f) if f else None
    return m if m and any(m.groupdict().values()) else None


def _sig_like(f: str) -> bool:
    f = _TRAILING_BRACKET.sub("", f)   # "南部县教育局（盖章）"
    return (2 <= len(f) <= 40 and not f.endswith(_PUNCT_END) and not f.startswith("附件")
            and bool(_HAS_CJK.search(f)) and f.endswith(_ORG_END) and _DATE_LINE.match(f) is None)


def _joint_first(original: str) -> str | None:
    """The first issuer of a 联合行文 mark laid out side by side or 双行合一 ("南部县财政局⇥南部县教育局文件")."""
    parts = [_squeeze(p) for p in _GAP.split(original.strip()) if p.strip()]
    if len(parts) < 2:
        return None
    names = [p[:-2] if p.endswith("文件") else p for p in parts]
    if all(len(n) >= 4 and n.endswith(_ORG_END) for n in names if n):
        return names[0]
    return None


def _first_name(original: str) -> str:
    """The first of several names laid out on one line with wide gaps (joint signatures)."""
    parts = [p for p in re.split(r"\s{2,}|\t|\u3000", original.strip()) if p.strip()]
    return _squeeze(parts[0]) if parts else ""


def _lines_with(text: str, needle: str, max_len: int = MAX_LINE) -> list[str]:
    """The lines of ``text`` up to ``max_len`` long holding ``needle``, found by str.find (C) instead of a loop
    over every line (longer lines are paragraphs of prose, never a mark: see secrecy.find_marks)."""
    out, at = [], text.find(needle)
    while at >= 0:
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        start = text.rfind("\n", 0, at) + 1
        if end - start <= max_len:
            out.append(text[start:end])
        at = text.find(needle, end)
    return out


def extract_facts(paragraphs: list[str], core_title: str | Callable[[], str | None] | None = None) -> DocumentFacts:
    """Recognise the GB/T 9704 elements in a document's paragraphs (text only, never raises for any text).

    ``core_title`` (the file's metadata title, or a function that reads it) is the fallback title.
    """

    def fallback_title() -> str | None:
        title = core_title() if callable(core_title) else core_title
        return (title or "").strip() or None

    paragraphs = [p if isinstance(p, str) else str(p) for p in (paragraphs or [])]
    body = "\n".join(paragraphs)
    chars = sum(map(len, map(str.strip, paragraphs)))
    facts = DocumentFacts(body=body, page_estimate=max(1, math.ceil(chars / (22 * 28))) if chars else 0)
    originals = body.split("\n")
    marks = find_marks(_lines_with(body, "密"), "body")
    # Per line: the text without any whitespace, and (on demand) the same width-folded, same length, so
    # spans found in the fold slice the text. Most body lines are only ever pre-filtered on the text.
    texts = ["".join(s.split()) for s in originals]   # _squeeze(), inlined: one call per line
    folds: list[str | None] = [None] * len(texts)

    def folded(i: int) -> str:
        f = folds[i]
        if f is None:
            f = folds[i] = _fold(texts[i])
        return f

    n = len(texts)
    nonempty = [i for i, t in enumerate(texts) if t]

    def between(lo: int, hi: int) -> list[int]:
        """The non-empty lines from lo up to (not including) hi."""
        return nonempty[bisect.bisect_left(nonempty, lo):bisect.bisect_left(nonempty, hi)]

    if not nonempty:
        facts.title = fallback_title()
        facts.doc_type = _doc_type(facts.title)
        _set_secrecy(facts, marks)
        return facts
    head = nonempty[:40]

    # 发文字号 (alone on its line, or with 签发人 beside it)
    doc_idx = None
    for i in head:
        f = folded(i)
        if "号" not in f:
            continue
        lead = _MARKER_PREFIX.match(f)
        at = lead.end() if lead and _DOC_NO.match(f[lead.end():]) else 0
        m = _DOC_NO.match(f[at:])
        if m:
            doc_idx = i
            code = texts[i][at + m.start("code"):at + m.end("code")]
            facts.doc_number = f"{code}〔{int(m.group('year'))}〕{int(m.group('num'))}号"
            if at:   # "秘密⇥南府办函〔2023〕56号", "特急⇥…"
                facts.copy_number = lead.group("copy")
                facts.urgency = lead.group("urgency")
            break

    # 标题: after the doc number prefer a line with 关于 / a type ending; without one, search the top
    def recipients_like(f: str) -> bool:
        return f.endswith(":") and not f.startswith(("附件", "抄送", "签发人", "主题词")) and len(f) <= 300

    title_idx = None
    if doc_idx is not None:
        at = bisect.bisect_right(nonempty, doc_idx)
        after = [i for i in nonempty[at:at + 8] if not texts[i].startswith("签发人")][:6]   # _SIGNER
        cands = []
        for i in after:
            if recipients_like(folded(i)):
                break
            cands.append(i)
        title_idx = next((i for i in cands if "关于" in folded(i) or _doc_type(folded(i))), None)
        if title_idx is None and cands:
            title_idx = cands[0]
    else:
        top = [i for i in head[:15] if not _is_marker(folded(i))]
        title_idx = next((i for i in top if "关于" in folded(i) and len(folded(i)) <= 80
                          and not folded(i).endswith(_PUNCT_END)), None)
        if title_idx is None:
            title_idx = next((i for i in top if len(folded(i)) <= 60 and _doc_type(folded(i))
                              and not folded(i).endswith(_PUNCT_END)), None)
    title_end = None
    if title_idx is not None:
        parts, j = [], title_idx
        while j < n and len(parts) < 4:
            f = folded(j)
            if not f:
                j += 1
                continue
            if parts and (recipients_like(f) or len(f) > 60 or f.endswith(_PUNCT_END) or _is_marker(f)):
                break
            parts.append(j)
            if _doc_type("".join(folded(k) for k in parts)):
                break
            j += 1
        if not _doc_type("".join(folded(k) for k in parts)):
            parts = parts[:1]
        facts.title = "".join(texts[k] for k in parts)
        title_end = parts[-1]
    if not facts.title:
        facts.title = fallback_title()

    # 份号 / 密级★期限 / 紧急程度, and the 发文机关标志, all above the doc number (or title)
    header_end = doc_idx if doc_idx is not None else title_idx
    if header_end is None:
        header_end = head[min(len(head), 6) - 1] + 1
    mark_lines = []
    for i in nonempty:
        if i >= header_end:
            break
        m = _is_marker(folded(i))
        if m:
            facts.copy_number = facts.copy_number or m.group("copy")
            if m.group("secrecy") and not facts.secrecy:
                facts.secrecy = _simplified(m.group("secrecy"))
                facts.secrecy_period = _simplified(m.group("period"))
            if m.group("period2") and facts.secrecy and not facts.secrecy_period:   # "保密期限：5年" alone
                facts.secrecy_period = _simplified(m.group("period2"))
            facts.urgency = facts.urgency or m.group("urgency")
        elif not _SIGNER.match(folded(i)) and folded(i) != "文件" and _HAS_CJK.search(folded(i)) \
                and not ("密" in texts[i] and find_marks([texts[i]], "body")):   # a mark is never the issuer
            mark_lines.append(i)
    if doc_idx is not None or title_idx is not None:
        for i in mark_lines:
            mark = texts[i]
            if len(mark) > 40 or mark.endswith(_PUNCT_END) or ":" in folded(i):
                continue
            if mark.endswith("纪要"):
                facts.doc_type = "纪要"
                break
            mark = mark[:-2] if mark.endswith("文件") and len(mark) > 2 else mark
            facts.issuer = _joint_first(originals[i]) or mark or None
            break

    # 主送机关: the first lines after the title, up to one ending with a colon
    start = title_end + 1 if title_end is not None else (doc_idx + 1 if doc_idx is not None else 0)
    window = between(start, n)[:3 if title_end is not None else 20]
    body_start = start
    acc = []
    for i in window:
        f = folded(i)
        if f.endswith(_BODY_END) or _is_marker(f):   # body text, not an address line
            if title_end is None:
                acc = []
                continue
            break
        acc.append(i)
        if recipients_like(f):
            if len("".join(folded(k) for k in acc)) <= 300:
                facts.main_recipients = _split_names("".join(texts[k] for k in acc))
                body_start = i + 1
            break
        if title_end is None:
            acc = []

    # 版记: 抄送 line and 印发 line at the end
    printed_idx = cc_idx = None
    for i in reversed(nonempty):
        t = texts[i]
        if not (t.endswith("印发") or t.startswith("抄送")):
            continue
        f = folded(i)
        if printed_idx is None and _PRINTED.match(f):
            printed_idx = i
        elif cc_idx is None and f.startswith("抄送:"):
            cc_idx = i
        if printed_idx is not None and cc_idx is not None:
            break
    tail_end = min(x for x in (printed_idx, cc_idx, n) if x is not None)
    if cc_idx is not None:
        cc_parts = [texts[cc_idx][3:]]   # a 抄送 list wrapped into further paragraphs
        if printed_idx is not None and printed_idx > cc_idx:
            wrapped = [i for i in between(cc_idx + 1, printed_idx) if ":" not in folded(i)]
            if wrapped and wrapped[-1] == between(cc_idx + 1, printed_idx)[-1] \
                    and not _PRINTED.match(folded(printed_idx)).group(1):
                wrapped.pop()   # a table-form 版记: the 印发机关 cell stands alone before the date cell
            for i in wrapped:
                if cc_parts[-1].endswith(("。", ".")):
                    break
                cc_parts.append(texts[i])
        facts.cc = _split_names("".join(cc_parts))
    if not facts.main_recipients:
        for i in nonempty:
            if i >= tail_end and folded(i).startswith("主送:"):
                facts.main_recipients = _split_names(texts[i][3:])
                break

    # 成文日期: a standalone date line, preferably under the issuer's signature
    dates = [i for i in between(body_start, tail_end) if len(texts[i]) <= 16 and texts[i].endswith("日")
             and _DATE_LINE.match(folded(i))]

    def above(i: int, k: int = 3) -> list[int]:
        at = bisect.bisect_left(nonempty, i)
        return [j for j in nonempty[max(0, at - k):at] if j >= body_start][::-1]

    date_idx = None
    issuer_key = facts.issuer and _fold(facts.issuer)
    if issuer_key:
        date_idx = next((i for i in dates if any(issuer_key in folded(j) for j in above(i))), None)
    if date_idx is None:
        date_idx = next((i for i in dates if any(_sig_like(folded(j)) for j in above(i, 1))), None)
    if date_idx is None and dates:
        date_idx = dates[-1]
    if date_idx is not None:
        facts.issued_on = _date(_DATE_LINE.match(folded(date_idx)))
        if not facts.issuer:   # the topmost of the signature lines right above the date
            sig = None
            for j in above(date_idx, 5):
                if not _sig_like(folded(j)):
                    break
                sig = j
            if sig is not None:
                facts.issuer = _first_name(originals[sig]) or None
    elif printed_idx is not None:
        facts.issued_on = _date(_PRINTED.match(folded(printed_idx)), 2)

    # 附注: a bracketed line right under the date (else a （此件……） line anywhere near the end)
    if date_idx is not None:
        nxt = next(iter(between(date_idx + 1, tail_end)), None)
        m = _NOTE.match(folded(nxt)) if nxt is not None else None
        if m:
            facts.note = texts[nxt][1:-1].strip() or None
    if facts.note is None:
        for i in reversed(between(body_start, tail_end)):
            t = texts[i]
            if t.startswith(("(", "（")) and t.endswith((")", "）")):
                m = _NOTE.match(folded(i))
                if m and m.group(1).startswith("此件"):
                    facts.note = texts[i][1:-1]
                    break

    # 附件说明: "附件：1.×××" and the numbered lines under it, above the signature
    limit = date_idx if date_idx is not None else tail_end
    att = [i for i in between(body_start, limit) if texts[i].startswith("附件") and folded(i).startswith("附件:")]
    if att:
        i0 = att[-1] if date_idx is not None else att[0]
        names = [texts[i0][3:]]
        for i in nonempty[bisect.bisect_right(nonempty, i0):]:
            if not _NUMBERED.match(folded(i)):
                break
            names.append(texts[i])
        for s in names:
            f = _fold(s)
            m = _NUMBERED.match(f)
            a, b = (m.end() if m else 0), len(f.rstrip("。.;；,，"))
            if a < b:
                facts.attachments.append(s[a:b])   # the fold preserves length: slice the original

    # 文种: from the title, else from the 机关代字 (…函〔2017〕) or the 纪要 mark
    facts.doc_type = _doc_type(facts.title) or facts.doc_type
    if facts.doc_type is None and facts.doc_number and facts.doc_number.split("〔")[0].endswith("函"):
        facts.doc_type = "函"
    _set_secrecy(facts, marks)
    return facts
