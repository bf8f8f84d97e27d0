"""Reader of PDF 版式 files (pypdfium2): every page's text laid out in position order, page headers above the
type area, annotations, and the 密级 in the Info dictionary (custom keys too) and the XMP metadata."""
from __future__ import annotations

import ctypes
import os
import re
import threading
from array import array

import pypdfium2 as pdfium
import pypdfium2.raw as c

from .layout import lay_out
from .metadata import metadata_marks, secrecy_key, xmp_marks
from .read import MAX_BYTES, MB, DocumentFacts, DocumentReadError, _load, _parse_xml, facts_from_parts

__all__ = ["read_pdf", "MAX_PAGES"]

MAX_PAGES = 2_000
MAX_CHARS = 5_000_000       # over all pages
MAX_ANNOTS = 1_000          # per page
MAX_CUSTOM_KEYS = 64        # Info keys named like 密级
MAX_KEY_HITS = 50_000       # places in the bytes where such a name may start
MM = 72 / 25.4              # points in a millimetre
# GB/T 9704's type area starts 37 mm below the page's top; a line whose baseline is above 28 mm is a page
# header (Word's default 25.4 mm top margin puts the first body line's foot near 31 mm). A footer's baseline
# is within 20 mm of the bottom (Word's default bottom margin is 25.4 mm, GB/T 9704's 35 mm).
HEAD_MM, FOOT_MM = 28.0, 20.0
# The 版头 (and its 密级) stands on the first page: one with fewer characters than this is a scan, or its text
# was drawn as outlines; either way the 密级 cannot be read (a page number or a stamped 文号 is not enough).
SPARSE = 20
# PDFium is not thread-safe: one read at a time in this process.
_LOCK = threading.Lock()

_MESSAGES = {
    "not_pdf": "文件不是有效的 PDF 文件（缺少 %PDF 文件头）",
    "truncated": "PDF 文件不完整（缺少文件结束标记 %%EOF，可能在传输中被截断），无法核对密级，请向发文单位重新获取原件",
    "bad_pdf": "PDF 文件已损坏，无法读取，无法核对密级，请向发文单位重新获取原件",
    "encrypted": "PDF 文件已加密（设有打开密码），无法核对密级",
    "no_text": "扫描件，无文字层，无法核对密级",
}
_STANDARD_KEYS = {b"Title", b"Author", b"Subject", b"Keywords", b"Creator", b"Producer", b"CreationDate",
                  b"ModDate", b"Trapped"}
# A line as PDFium breaks them (at \r and \n), without its leading and trailing whitespace (str.strip()'s:
# re's \s is str.isspace()); a line of only whitespace is none.
_LINE = re.compile(r"\S+(?:[^\S\r\n]+\S+)*")
_RUN = re.compile(r"[^ ]+")
_NAME = re.compile(rb"/((?:[^\s/<>\[\]()%{}#]|#[0-9A-Fa-f]{2}){1,127})")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_INFO_REF = re.compile(rb"/Info\s*(\d{1,10})\s+(\d{1,5})\s+R")
# Bytes a custom Info key that may hold a 密级 contains (lower-cased): 密 in UTF-8 or GBK (Chinese software
# writes either), escaped as a PDF name or raw, and the English words (see metadata.secrecy_key).
_KEY_NEEDLES = (b"#e5#af#86", "密".encode(), b"#c3#dc", "密".encode("gbk"), b"classif", b"secre", b"confiden",
                b"security")


def _fail(code: str, message: str | None = None) -> DocumentReadError:
    return DocumentReadError(code, message or _MESSAGES.get(code))


class _Page:
    """The text of one loaded page, laid out as Pieces (one per line PDFium finds, wide gaps kept as tabs)."""

    def __init__(self, page, number: int):
        self.page, self.number = page, number
        box = c.FS_RECTF()
        c.FPDF_GetPageBoundingBox(page, box)
        self.left, self.top, self.right, self.bottom = box.left, box.top, box.right, box.bottom
        self.rotation = c.FPDFPage_GetRotation(page) % 4
        self.height = (self.right - self.left) if self.rotation in (1, 3) else (self.top - self.bottom)
        self.chars = 0
        self.lines: list[str] = []
        self.pieces: list[tuple] = []   # layout.Piece

    def _place(self, x: float, y: float) -> tuple[float, float]:
        """(x, y downwards from the top) as the page is shown, whatever its /Rotate."""
        if self.rotation == 0:
            return x - self.left, self.top - y
        if self.rotation == 2:
            return self.right - x, y - self.bottom
        if self.rotation == 1:
            return y - self.bottom, x - self.left
        return self.top - y, self.right - x

    def read(self, budget: int) -> None:
        tp = c.FPDFText_LoadPage(self.page)
        if not tp:
            raise _fail("bad_pdf", f"PDF 文件第 {self.number + 1} 页已损坏，无法读取，无法核对密级")
        try:
            n = c.FPDFText_CountChars(tp)
            if n > budget:
                raise _fail("too_large", f"PDF 文件的文字过多（超过 {MAX_CHARS} 个字符），已拒绝读取")
            if n > 0:
                self._lines(tp, n)
        finally:
            c.FPDFText_ClosePage(tp)

    def _lines(self, tp, n: int) -> None:
        buf = (ctypes.c_ushort * (n + 1))()
        got = c.FPDFText_GetText(tp, 0, n, buf)
        data = bytes(buf)[:2 * max(got - 1, 0)]
        text = data.decode("utf-16-le", "surrogatepass")
        astral = len(text) * 2 != len(data)
        if astral:   # one str index per UTF-16 unit, as PDFium counts; pairs are joined again per line
            text = "".join(map(chr, array("H", data)))
        same = got - 1 == n and not astral
        box = c.FS_RECTF()
        loose = c.FPDFText_GetLooseCharBox

        def index(i: int) -> int:
            return i if same else c.FPDFText_GetCharIndexFromTextIndex(tp, i)

        upright = self.rotation == 0
        number, left, place = self.number, self.left, self._place
        lines, append = self.lines, self.pieces.append
        for m in _LINE.finditer(text):
            a, b = m.span()
            line = m.group()
            if astral:
                line = line.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
            self.chars += len(line) - line.count(" ")
            lines.append(line)
            # Each run between spaces is a piece of its own, placed by its first and last character: PDFium
            # keeps the file's order within a line and puts a space where a text object starts, so a ★ drawn
            # after the words beside it, or a right-aligned date, takes its place by position in lay_out.
            runs = ((a, b),) if astral or " " not in line else [r.span() for r in _RUN.finditer(text, a, b)]
            for s, e in runs:
                # The loose box (the font's ascent and descent, the advance): its corner places the run, its
                # height is the size on the page (FPDFText_GetFontSize says 1 where the text matrix does the
                # scaling), and it is there even where a font lacks the glyph.
                loose(tp, s if same else index(s), box)
                x, y = place(box.left, box.bottom)
                size = max(box.top - box.bottom, box.right - box.left) or 10.0
                if e - s > 1:
                    loose(tp, e - 1 if same else index(e - 1), box)
                end = box.right - left if upright else x + (e - s) * size
                append((number, y, x, end, size, line if len(runs) == 1 else text[s:e]))


def _annot_string(annot, key: bytes) -> str:
    n = c.FPDFAnnot_GetStringValue(annot, key, None, 0)
    if n <= 2:
        return ""
    buf = (ctypes.c_ushort * (n // 2))()
    c.FPDFAnnot_GetStringValue(annot, key, buf, n)
    return bytes(buf)[:n - 2].decode("utf-16-le", "replace")


def _annotations(page) -> list[str]:
    """The text of the page's annotations (a note's /Contents, a form field's /V): a stamp may say 秘密."""
    out = []
    count = c.FPDFPage_GetAnnotCount(page)
    if count > MAX_ANNOTS:   # refused, never cut short: an annotation left unread may say 秘密
        raise _fail("too_large", f"PDF 文件一页上的注释过多（{count} 个，上限 {MAX_ANNOTS} 个），已拒绝读取")
    for k in range(count):
        annot = c.FPDFPage_GetAnnot(page, k)
        if not annot:
            continue
        try:
            for key in (b"Contents\0", b"V\0"):
                value = _annot_string(annot, key)
                out += [line.strip() for line in value.splitlines() if line.strip()]
        finally:
            c.FPDFPage_CloseAnnot(annot)
    return out


def _meta(doc, key: bytes) -> str:
    n = c.FPDF_GetMetaText(doc, key + b"\0", None, 0)
    if n <= 2:
        return ""
    buf = ctypes.create_string_buffer(n)
    c.FPDF_GetMetaText(doc, key + b"\0", buf, n)
    return buf.raw[:n - 2].decode("utf-16-le", "replace")


def _key_name(key: bytes) -> str:
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return key.decode("gb18030", "replace")


def _info_objects(raw: bytes) -> list[bytes] | None:
    """The bytes of the Info dictionaries the trailers name ("/Info 12 0 R" -> "12 0 obj ... endobj", every
    revision's), or None when one of them is not found in plain bytes (then the whole file is searched)."""
    out, refs, at = [], set(), raw.find(b"/Info")
    while at >= 0 and len(refs) <= MAX_CUSTOM_KEYS:
        m = _INFO_REF.match(raw, at)
        if m:
            refs.add(m.group(1) + b" " + m.group(2) + b" obj")
        at = raw.find(b"/Info", at + 5)
    for ref in refs:
        found, at = False, raw.find(ref)
        while at >= 0:
            if at == 0 or not raw[at - 1:at].isdigit():
                end = raw.find(b"endobj", at)
                out.append(raw[at:end if 0 <= end - at <= 1 * MB else at + 1 * MB])
                found = True
            at = raw.find(ref, at + len(ref))
        if not found:
            return None
    return out


def _custom_keys(raw: bytes) -> list[bytes]:
    """Info keys beyond the standard ones whose names may hold a 密级 (PDFium lists no keys: the names are found
    in the Info dictionaries' bytes, their values asked of PDFium, which decrypts them). A dictionary inside a
    compressed object stream is not seen."""
    keys: dict[bytes, None] = {}
    hits = 0
    for part in _info_objects(raw) or [raw]:
        low = part.lower()
        for needle in _KEY_NEEDLES:
            at = low.find(needle)
            while at >= 0:
                hits += 1
                if hits > MAX_KEY_HITS:   # refused, never cut short
                    raise _fail("too_large", "PDF 文件中疑似密级的元数据键过多，已拒绝读取")
                start = part.rfind(b"/", max(0, at - 128), at + 1)
                m = _NAME.match(part, start) if start >= 0 else None
                if m and m.end() > at:
                    key = _HEX.sub(lambda h: bytes([int(h.group(1), 16)]), m.group(1))
                    if key not in _STANDARD_KEYS and secrecy_key(_key_name(key)):
                        keys.setdefault(key, None)
                at = low.find(needle, at + len(needle))
    if len(keys) > MAX_CUSTOM_KEYS:
        raise _fail("too_large", "PDF 文件中疑似密级的元数据键过多，已拒绝读取")
    return list(keys)


def _xmp(raw: bytes) -> list:
    """Marks in an uncompressed XMP packet (a compressed or encrypted one is not seen)."""
    at = raw.find(b"<x:xmpmeta")
    end = raw.find(b"</x:xmpmeta>", at) if at >= 0 else -1
    if at < 0 or end < 0 or end - at > 4 * MB:
        return []
    try:
        return xmp_marks(_parse_xml(raw[at:end + len(b"</x:xmpmeta>")]))
    except DocumentReadError as exc:
        if exc.code == "forbidden_xml":   # as the .docx reader's properties: a damaged packet is skipped,
            raise                        # a hostile one refused
        return []


def _read(raw: bytes, max_pages: int) -> DocumentFacts:
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == c.FPDF_ERR_PASSWORD:
            raise _fail("encrypted") from exc
        if code == c.FPDF_ERR_SECURITY:
            raise _fail("encrypted", "PDF 文件使用了不支持的加密方式，无法核对密级") from exc
        raise _fail("bad_pdf") from exc
    # An encrypted PDF that opens without a password (only an owner password, restricting printing, copying or
    # editing: common for sealed 公文) is read. PDFium decrypts it with the empty user password and sees all of
    # its text, so its 密级 is checked as well as an unencrypted file's; holding every such file would hold
    # ordinary documents for nothing. One that needs a password cannot be read, and is held (above).
    try:
        n = len(pdf)
        if n > max_pages:
            raise _fail("too_many_pages", f"PDF 文件页数过多（{n} 页，上限 {max_pages} 页），已拒绝读取")
        pieces: list[tuple] = []
        heights: dict[int, float] = {}
        stored: list[str] = []
        annots: list[str] = []
        chars, first = 0, 0
        for i in range(n):
            page = c.FPDF_LoadPage(pdf.raw, i)
            if not page:
                raise _fail("bad_pdf", f"PDF 文件第 {i + 1} 页已损坏，无法读取，无法核对密级")
            try:
                p = _Page(page, i)
                p.read(MAX_CHARS - chars)
                chars += p.chars
                pieces += p.pieces
                stored += p.lines
                heights[i] = p.height
                first = p.chars if i == 0 else first
                annots += _annotations(page)
            finally:
                c.FPDF_ClosePage(page)
        if first < SPARSE:
            raise _fail("no_text")
        body, header, footer = lay_out(pieces, heights, head=HEAD_MM * MM, foot=FOOT_MM * MM)
        doc = pdf.raw
        title = _meta(doc, b"Title").strip() or None
        fields = [title, _meta(doc, b"Subject"), _meta(doc, b"Keywords")]
        custom = [(_key_name(k), _meta(doc, k)) for k in _custom_keys(raw)]
        marks = metadata_marks(fields, custom) + _xmp(raw)
        side = [("header", header), ("footer", footer)] + ([("annotation", annots)] if annots else [])
        return facts_from_parts(body, side=side, marks=marks, title=title,
                                scan=[("file_order", stored)] if stored != body else [], format="pdf")
    finally:
        pdf.close()


def read_pdf(data: bytes | str | os.PathLike, *, max_bytes: int = MAX_BYTES,
             max_pages: int = MAX_PAGES) -> DocumentFacts:
    """Read an issued PDF (bytes or a path) safely and return its facts.

    Raises :class:`DocumentReadError` (and nothing else) for any bad input. A sealed file is never converted.
    """
    raw = _load(data, max_bytes)
    if len(raw) > max_bytes:
        raise _fail("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    if b"%PDF-" not in raw[:1024]:
        raise _fail("not_pdf")
    if b"%%EOF" not in raw[-4096:]:
        raise _fail("truncated")
    try:
        with _LOCK:
            return _read(raw, max_pages)
    except DocumentReadError:
        raise
    except MemoryError as exc:
        raise _fail("too_large") from exc
    except Exception as exc:   # last resort: callers must only ever see DocumentReadError
        raise _fail("bad_pdf") from exc
