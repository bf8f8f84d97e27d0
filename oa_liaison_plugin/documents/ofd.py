"""Reader of OFD 版式 files (GB/T 33190-2016): every page's text in position order, the template pages, the
annotations and the DocInfo metadata, hardened like the .docx reader (zipfile + lxml, no DTD, no entities)."""
from __future__ import annotations

import os
import posixpath
import re
import zipfile
import zlib

from lxml import etree

from .layout import file_order, in_order, lay_out
from .metadata import metadata_marks
from .read import (MAX_BYTES, MAX_RATIO, MAX_UNCOMPRESSED, MB, RATIO_FLOOR, DocumentFacts, DocumentReadError,
                   _load, _parse_xml, _read_member, facts_from_parts, open_zip)

__all__ = ["read_ofd", "MAX_PAGES", "MAX_TEXT_CODES"]

OFD_NS = "http://www.ofdspec.org/2016"
MAX_PAGES = 2_000
MAX_TEXT_CODES = 400_000   # in the pages, a template or an annotation
MAX_DOCS = 16              # DocBody entries in OFD.xml
MAX_TEMPLATES = 256
MAX_ANNOTATION_FILES = MAX_PAGES
PART = 20 * MB             # one XML part
# GB/T 9704's type area starts 37 mm below the page's top; a line whose baseline is above 28 mm is a page
# header laid out in the page content (Word's default 25.4 mm top margin puts the first body line's foot near
# 31 mm).
HEAD_MM, FOOT_MM = 28.0, 15.0
# The 版头 (and its 密级) stands on the first page: one with fewer characters than this is a scan, or its text
# was drawn as outlines; either way the 密级 cannot be read (a page number or a stamped 文号 is not enough).
SPARSE = 20

_MESSAGES = {
    "not_zip": "文件不是有效的 OFD 文件（不是 zip 压缩包）",
    "truncated": "OFD 文件不完整或已损坏（压缩包被截断），无法核对密级，请向发文单位重新获取原件",
    "not_ofd": "压缩包中没有 OFD.xml（OFD 文件的入口），不是有效的 OFD 文件",
    "no_text": "扫描件，无文字层，无法核对密级",
}
# A relative location of plain segments (none empty, none starting with a dot, no backslash or space).
_PLAIN_LOC = re.compile(r"[^./\\\s][^/\\\s]*(?:/[^./\\\s][^/\\\s]*)*")
_NO_DOC = "OFD 文件已损坏：OFD.xml 中没有文档（DocBody/DocRoot），无法核对密级"


def _fail(code: str, message: str | None = None) -> DocumentReadError:
    return DocumentReadError(code, message or _MESSAGES.get(code))


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name] if el is not None else []


def _child(el, name: str):
    return next((c for c in el if _local(c.tag) == name), None) if el is not None else None


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _num(value, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _box(value) -> tuple[float, float, float, float]:
    parts = (value or "").split()
    if len(parts) != 4:
        return 0.0, 0.0, 0.0, 0.0
    x, y, w, h = (_num(v) for v in parts)
    return x, y, w, h


def _origin(boundary: str | None, size: str | None, ctm: str | None) -> tuple:
    """A TextObject's origin (its Boundary's corner), font size (3.5 where it is missing, damaged or not above
    0) and CTM (None for none or the identity); a damaged number reads as 0."""
    x, y, _, _ = _box(boundary)
    points = _num(size)
    return x, y, points if points > 0 else 3.5, _ctm(ctm) if ctm is not None else None


def _advance(size: float, deltas: str) -> float:
    """How far a TextCode's text runs: its DeltaX spacings ("g 3 5.6" repeats 5.6 three times) and the last
    character's own width."""
    toks, total, i = deltas.split(), 0.0, 0
    while i < len(toks):
        if toks[i] == "g" and i + 2 < len(toks):
            total += _num(toks[i + 1]) * _num(toks[i + 2])
            i += 3
        else:
            total += _num(toks[i])
            i += 1
    return total + size


def _tags(root, name: str) -> tuple[str, ...]:
    """The spellings of an element's tag in a part: the part's own namespace, GB/T 33190's, and none."""
    ns = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    return tuple({f"{{{OFD_NS}}}{name}", name, *((f"{{{ns}}}{name}",) if ns else ())})


class _Reader:
    """One OFD package being read: parts by path, what they cost, the pieces of text found so far."""

    def __init__(self, raw: bytes, zf: zipfile.ZipFile, names: dict, max_uncompressed: int, max_ratio: float,
                 max_pages: int):
        self.raw, self.zf, self.names = raw, zf, names
        self.folded = {n.lower().lstrip("/"): i for n, i in names.items()}
        self.max_uncompressed, self.max_ratio, self.max_pages = max_uncompressed, max_ratio, max_pages
        self.inflated = self.pages = 0
        self.first_chars: list[int] = []   # the characters on each document's first page
        self.known: dict = {}   # numbers parsed so far, by their strings (see pieces)

    def part(self, path: str, what: str, required: bool = True):
        info = self.names.get(path) or self.folded.get(path.lower())
        if info is None:
            if not required:
                return None
            raise _fail("bad_ofd", f"OFD 文件已损坏：缺少{what}（{path}），无法核对密级")
        limit = min(PART, self.max_uncompressed)
        raw = _plain_member(self.raw, info, limit, self.max_ratio)
        if raw is None:
            raw = _read_member(self.zf, info, limit, self.max_ratio)
        self.inflated += len(raw)
        if self.inflated > self.max_uncompressed:
            raise _fail("zip_bomb")
        try:
            return _parse_xml(raw)
        except DocumentReadError as exc:
            if exc.code == "bad_xml":
                raise _fail("bad_xml", f"OFD 文件已损坏：{what}（{path}）的 XML 无法解析，无法核对密级") from exc
            raise

    def pieces(self, root, page: int, out: list) -> None:
        """Every TextCode of a part (a page, a template, an annotation's appearance) as Pieces, file order."""
        last = None
        append = out.append
        known = self.known
        ox = oy = size = x = y = 0.0
        ctm = None
        # The reader's hot loop, once per TextCode, in plain tuples (see layout.Piece). Writers repeat the
        # same numbers (each line's Boundary on every page, one Size, X, Y and DeltaX throughout): each string
        # is parsed once per file, then looked up, which costs less than float().
        for code in root.iter(*_tags(root, "TextCode")):
            obj = code.getparent()
            if obj is not last:
                last = obj
                get = obj.get
                key = (get("Boundary"), get("Size"), get("CTM"))
                origin = known.get(key)
                if origin is None:
                    origin = known[key] = _origin(*key)
                ox, oy, size, ctm = origin
                x = y = 0.0
            get = code.get
            sx, sy = get("X"), get("Y")
            try:
                if sx is not None:
                    x = known.get(sx)
                    if x is None:
                        x = known[sx] = float(sx)
                if sy is not None:
                    y = known.get(sy)
                    if y is None:
                        y = known[sy] = float(sy)
            except ValueError:
                x, y = _num(sx), _num(sy)
            text = code.text
            if not text:
                continue
            deltas = get("DeltaX")
            if deltas is None:
                advance = len(text) * size
            else:
                key = (deltas, size)
                advance = known.get(key)
                if advance is None:
                    advance = known[key] = _advance(size, deltas)
            if ctm is None:
                append((page, oy + y, ox + x, ox + x + advance, size, text))
            else:
                a, b, c, d, e, f = ctm
                px, py = a * x + c * y + e, b * x + d * y + f
                end = ox + px + advance * (abs(a) or 1.0)
                append((page, oy + py, ox + px, end, size * (abs(d) or 1.0), text))
            x += advance   # a following TextCode without X goes on where this one ends
        if len(out) > MAX_TEXT_CODES:
            raise _fail("too_large", f"OFD 文件的文字对象过多（超过 {MAX_TEXT_CODES} 个），已拒绝读取")

    def read(self) -> DocumentFacts:
        ofd = self.part("OFD.xml", "入口文件 OFD.xml", required=False)
        if ofd is None or _local(ofd.tag) != "OFD":
            raise _fail("not_ofd")
        bodies = _children(ofd, "DocBody")
        if not bodies:
            raise _fail("bad_ofd", _NO_DOC)
        _limit(len(bodies), MAX_DOCS, "文档（DocBody）")
        body_pieces: list = []
        heights: dict[int, float] = {}
        side: list[tuple[str, list[str]]] = []
        fields, custom, titles = [], [], []
        for docbody in bodies:
            info = _child(docbody, "DocInfo")
            titles.append(_text(_child(info, "Title")))
            fields += [_text(_child(info, name)) for name in ("Title", "Subject", "Abstract")]
            fields += [_text(k) for k in _children(_child(info, "Keywords"), "Keyword")]
            custom += [(c.get("Name") or "", _text(c))
                       for c in _children(_child(info, "CustomDatas"), "CustomData")]
            root_loc = _text(_child(docbody, "DocRoot"))
            if not root_loc:
                raise _fail("bad_ofd", _NO_DOC)
            doc_path = _resolve("", root_loc)
            doc = self.part(doc_path, "文档根文件 Document.xml")
            if _local(doc.tag) != "Document":
                raise _fail("bad_ofd", f"OFD 文件已损坏：{doc_path} 不是 OFD 文档（根元素不是 Document），无法核对密级")
            self.document(doc, posixpath.dirname(doc_path), body_pieces, heights, side)
        if min(self.first_chars) < SPARSE:
            raise _fail("no_text")
        body, header, footer = lay_out(body_pieces, heights, head=HEAD_MM, foot=FOOT_MM)
        side = [("header", header), ("footer", footer)] + side
        scan = [] if in_order(body_pieces) else [("file_order", file_order(body_pieces))]
        title = next((t for t in titles if t), None)
        return facts_from_parts(body, side=side, marks=metadata_marks(fields, custom), title=title, scan=scan,
                                format="ofd")

    def document(self, doc, folder: str, out: list, heights: dict[int, float],
                 side: list[tuple[str, list[str]]]) -> None:
        """One Document.xml: its pages into ``out``, its templates and annotations into ``side``."""
        common = _child(doc, "CommonData")
        default_height = _box(_text(_child(_child(common, "PageArea"), "PhysicalBox")))[3] or 297.0
        templates = {}
        for tpl in _children(common, "TemplatePage"):
            templates.setdefault(tpl.get("ID") or "", tpl.get("BaseLoc") or "")
        _limit(len(templates), MAX_TEMPLATES, "模板页")
        pages = [p for pages in _children(doc, "Pages") for p in _children(pages, "Page")]
        if not pages:
            raise _fail("bad_ofd", "OFD 文件已损坏：文档中没有页面（Pages），无法核对密级")
        if self.pages + len(pages) > self.max_pages:
            raise _fail("too_many_pages", f"OFD 文件页数过多（{self.pages + len(pages)} 页，上限 {self.max_pages} 页），"
                                          "已拒绝读取")
        used: dict[str, None] = {}
        for page in pages:
            n = self.pages
            self.pages += 1
            loc = page.get("BaseLoc") or ""
            if not loc.strip():
                raise _fail("bad_ofd", f"OFD 文件已损坏：第 {n + 1} 页没有内容文件（BaseLoc），无法核对密级")
            root = self.part(_resolve(folder, loc), f"第 {n + 1} 页的内容文件")
            heights[n] = _box(_text(_child(_child(root, "Area"), "PhysicalBox")))[3] or default_height
            start = len(out)
            self.pieces(root, n, out)
            if page is pages[0]:
                self.first_chars.append(sum(len(p[5]) - p[5].count(" ") for p in out[start:]))
            for ref in _children(root, "Template"):
                used.setdefault(ref.get("TemplateID") or "", None)
        # Every template counts, used or not: its text is in the file (stricter wins).
        for tid in [*used, *(t for t in templates if t not in used)]:
            loc = templates.get(tid)
            if loc:
                tpl = self.part(_resolve(folder, loc), "模板页内容文件")
                pieces: list = []
                self.pieces(tpl, 0, pieces)
                lines, header, footer = lay_out(pieces)
                side.append(("header", header + lines + footer))
        annots = _text(_child(doc, "Annotations"))
        if annots:
            side.append(("annotation", self.annotations(_resolve(folder, annots))))

    def annotations(self, path: str) -> list[str]:
        """The text of every annotation (its appearance, remark and parameters), pages in order."""
        index = self.part(path, "注释索引文件")
        lines: list[str] = []
        folder = posixpath.dirname(path)
        locs = [_text(_child(p, "FileLoc")) for p in _children(index, "Page")]
        _limit(len(locs), MAX_ANNOTATION_FILES, "注释文件")
        for loc in filter(None, locs):
            root = self.part(_resolve(folder, loc), "注释文件")
            for annot in root.iter(*_tags(root, "Annot")):
                pieces: list = []
                self.pieces(annot, 0, pieces)
                lines += lay_out(pieces)[0]
                lines += [_text(el) for el in annot.iter(*_tags(annot, "Remark"), *_tags(annot, "Parameter"))]
        return [line for line in lines if line]


def _limit(count: int, most: int, what: str) -> None:
    # Refused, never cut short: what is left unread may hold the 密级.
    if count > most:
        raise _fail("too_large", f"OFD 文件的{what}过多（{count} 个，上限 {most} 个），已拒绝读取")


def _ctm(value) -> tuple[float, ...] | None:
    parts = (value or "").split()
    if len(parts) != 6:
        return None
    ctm = tuple(_num(v) for v in parts)
    return None if ctm == (1.0, 0.0, 0.0, 1.0, 0.0, 0.0) else ctm


def _plain_member(raw: bytes, info: zipfile.ZipInfo, limit: int, max_ratio: float) -> bytes | None:
    """A plain member (stored or deflated, not encrypted, its CRC right) inflated straight from the package's
    bytes: zipfile.open costs more than inflating a page. None for anything else, which _read_member reads
    (and refuses) the long way. The limits are _read_member's: no more than ``limit`` bytes, nor a bomb-like
    ratio; a local header naming the member otherwise than the central directory is ``ambiguous``."""
    if info.flag_bits & 0x9 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    at = info.header_offset
    head = raw[at:at + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return None
    n, m = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
    try:
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    except UnicodeEncodeError:
        return None
    if raw[at + 30:at + 30 + n] != name:
        raise _fail("ambiguous", f"压缩包成员 {info.filename[:120]} 在目录与文件头中的名称不一致，不同软件会读到不同内容，"
                                 "无法确定文件真实内容")
    data = raw[at + 30 + n + m:at + 30 + n + m + info.compress_size]
    if len(data) != info.compress_size:
        return None
    cap = min(limit, max(RATIO_FLOOR, max_ratio * max(info.compress_size, 1)))
    if info.compress_type == zipfile.ZIP_STORED:
        out = data
    else:
        inflater = zlib.decompressobj(-15)
        out = inflater.decompress(data, int(cap) + 1)
        if len(out) <= cap and not inflater.eof:
            return None
    if len(out) > cap:
        raise _fail("zip_bomb")
    return out if len(out) == info.file_size and zlib.crc32(out) == info.CRC else None


def _resolve(folder: str, loc: str) -> str:
    """A GB/T 33190 ST_Loc: absolute from the package root ("/Doc_0/…") or relative to the referring file."""
    if folder and _PLAIN_LOC.fullmatch(loc):
        return f"{folder}/{loc}"   # the common "Pages/Page_0/Content.xml": nothing to normalise
    loc = loc.strip().replace("\\", "/")
    path = posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(folder, loc))
    return path.lstrip("/") if not path.startswith("..") else path


def read_ofd(data: bytes | str | os.PathLike, *, max_bytes: int = MAX_BYTES,
             max_uncompressed: int = MAX_UNCOMPRESSED, max_ratio: float = MAX_RATIO,
             max_pages: int = MAX_PAGES) -> DocumentFacts:
    """Read an issued OFD file (bytes or a path) safely and return its facts.

    Raises :class:`DocumentReadError` (and nothing else) for any bad input. Signatures (Signs/) are not read;
    a sealed file is never converted.
    """
    raw = _load(data, max_bytes)
    if len(raw) > max_bytes:
        raise _fail("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    try:
        with open_zip(raw, max_uncompressed=max_uncompressed, max_ratio=max_ratio) as (zf, names):
            return _Reader(raw, zf, names, max_uncompressed, max_ratio, max_pages).read()
    except DocumentReadError as exc:
        if exc.code in ("not_zip", "truncated"):
            raise _fail(exc.code) from exc
        raise
    except RuntimeError as exc:          # zipfile: "... is encrypted, password required"
        if "encrypt" in str(exc) or "password" in str(exc):
            raise _fail("encrypted") from exc
        raise _fail("truncated") from exc
    except NotImplementedError as exc:   # e.g. deflate64 / an unknown compression method
        raise _fail("unreadable", "OFD 压缩包使用了不支持的压缩方式，无法核对密级") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as exc:
        raise _fail("truncated") from exc
    except MemoryError as exc:
        raise _fail("zip_bomb") from exc
    except etree.LxmlError as exc:
        raise _fail("bad_xml", "OFD 文件已损坏（XML 无法解析），无法核对密级") from exc
    except Exception as exc:             # last resort: callers must only ever see DocumentReadError
        raise _fail("unreadable", "OFD 文件无法读取（文件可能已损坏），无法核对密级") from exc
