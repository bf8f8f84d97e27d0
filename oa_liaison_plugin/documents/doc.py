"""Hardened reader of Word 97-2003 .doc and .wps (WPS 2003+ writes the same structure): olefile + MS-DOC."""
from __future__ import annotations

import bisect
import codecs
import io
import re
import struct

import olefile

from .properties import property_marks
from .read import MAX_BYTES, MB, SMALL_PART, DocumentFacts, DocumentReadError, facts_from_parts

__all__ = ["read_doc"]

MAX_PIECES = 100_000
MAX_RANGES = 200_000          # hidden or deleted runs mapped onto the text
MAX_PROPERTIES = 1_000
_FKP = 512

_DAMAGED = "文件不完整或已损坏（Word 97-2003 文档结构无法解析），请重新导出后上传"
_ENCRYPTED = "文件已加密（设有打开密码），无法核对密级"
_SAVE_AS = "；如果它是可编辑的正文，请在 WPS 或 Word 中另存为 .docx 或 .doc 后再上传"
# OLE files that are not Word documents, by a stream only they hold.
_OTHER_OLE = (("Workbook", "Excel 工作簿"), ("Book", "Excel 工作簿"), ("PowerPoint Document", "PowerPoint 演示文稿"),
              ("CONTENTS", "Microsoft Works 或早期 WPS 文档"), ("MatOST", "Microsoft Works 文档"),
              ("VisioDocument", "Visio 绘图"))

# Compressed (8-bit) pieces: MS-DOC 2.4.1 maps 0x82-0x8C, 0x91-0x9C and 0x9F as cp1252 does, any other byte
# to the same code point. CJK text is always in 16-bit pieces, whatever the document's language.
_CP1252 = bytes(range(0x82, 0x8D)) + bytes(range(0x91, 0x9D)) + b"\x9f"
_COMPRESSED = "".join(bytes([b]).decode("cp1252") if b in _CP1252 else chr(b) for b in range(256))

# The FIB's story lengths in CP order: body, footnotes, headers/footers, macros (unused), comments, endnotes,
# text boxes, header text boxes.
_STORIES = ("body", "footnote", "header", None, "comment", "endnote", "textbox", "header_textbox")
# Header stories after the six separators, per section: even/odd header, even/odd footer, first header/footer.
_HDD_KINDS = ("header", "header", "footer", "footer", "header", "footer")
_SPRM_VANISH, _SPRM_DELETED = 0x083C, 0x0800
_SPRA_SIZE = (1, 1, 2, 4, 2, 2, 0, 3)


def _fail(code: str, message: str | None = None) -> DocumentReadError:
    return DocumentReadError(code, message)


def read_doc(raw: bytes, *, max_bytes: int = MAX_BYTES) -> DocumentFacts:
    """Read a .doc or .wps file's text and facts. Raises :class:`DocumentReadError` (and nothing else)."""
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise _fail("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    try:
        return _read(raw)
    except DocumentReadError:
        raise
    except MemoryError as exc:
        raise _fail("too_large") from exc
    except Exception as exc:   # olefile or struct on a malformed file: callers only see DocumentReadError
        raise _fail("damaged", _DAMAGED) from exc


def _read(raw: bytes) -> DocumentFacts:
    with olefile.OleFileIO(io.BytesIO(raw)) as ole:
        if ole.exists("EncryptedPackage"):   # an encrypted .docx: OOXML inside an OLE container
            raise _fail("encrypted", _ENCRYPTED)
        if not ole.exists("WordDocument"):
            kind = next((label for stream, label in _OTHER_OLE if ole.exists(stream)), "OLE 复合文件（不是 Word 文档）")
            raise _fail("unsupported_format", f"文件是{kind}，不是 Word 97-2003（.doc）或 WPS 文字（.wps）文档，"
                                              f"无法核对密级{_SAVE_AS}")
        word = _stream(ole, "WordDocument", len(raw))
        fib = _Fib(word)
        table_name = "1Table" if fib.flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise _fail("damaged", _DAMAGED)
        table = _stream(ole, table_name, len(raw))
        props = _Properties(ole, len(raw))
    text, pieces = _text(word, table, fib.fc(33))
    stories = _story_bounds(fib, len(text))
    hidden, deleted = _flagged(word, table, fib.fc(12), pieces)

    seen_cut = _merge(hidden + deleted) if hidden else deleted
    body: list[str] = []
    side, scan, places = [], [], {}
    for name, lo, hi in stories:
        if name == "body":
            body = _lines(_cut(text, lo, hi, seen_cut), places)
        elif name == "header":
            side += _hdd(table, fib.fc(11), text, lo, hi, seen_cut)
        elif name is not None and hi > lo:
            where = {"header_textbox": "header", "extra": "body"}.get(name, name)
            side.append((where, _lines(_cut(text, lo, hi, seen_cut))))
        if hidden and any(a < hi and b > lo for a, b in hidden):   # all of the text is scanned for marks too
            scan.append(("hidden", _lines(_cut(text, lo, hi, deleted))))
    if not any(line.strip() for line in body):
        raise _fail("empty_body")
    return facts_from_parts(body, side=side, marks=props.marks, title=props.title, places=places, scan=scan,
                            format="doc")


def _stream(ole: olefile.OleFileIO, name: str, cap: int) -> bytes:
    # A stream can never be longer than the file: a larger declared size is a looping sector chain.
    if ole.get_size(name) > cap:
        raise _fail("damaged", _DAMAGED)
    return ole.openstream(name).read()


class _Fib:
    """The File Information Block fields this reader needs (MS-DOC 2.5.1), every offset checked."""

    def __init__(self, word: bytes):
        if len(word) < 68:
            raise _fail("damaged", _DAMAGED)
        ident, nfib = struct.unpack_from("<HH", word, 0)
        if ident != 0xA5EC:
            raise _fail("damaged", "文件不是 Word 文档（文件头标识不符），无法核对密级")
        self.flags = struct.unpack_from("<H", word, 10)[0]
        if self.flags & 0x0100:   # fEncrypted (also set for XOR obfuscation)
            raise _fail("encrypted", _ENCRYPTED)
        if nfib < 0x6A:   # Word 6.0/95 (nFib 101-105) and older: no piece table, 8-bit text in a code page
            raise _fail("unsupported_format", f"文件是 Word 6.0/95 或更早版本格式的旧文档，无法核对密级{_SAVE_AS}")
        csw = struct.unpack_from("<H", word, 32)[0]
        at = 34 + 2 * csw
        cslw = _u16(word, at)
        self._lw = at + 2
        at = self._lw + 4 * cslw
        cb = _u16(word, at)
        if cslw < 11 or cb < 34 or at + 2 + 8 * cb > len(word):
            raise _fail("damaged", _DAMAGED)
        self._fc = at + 2
        self.ccps = struct.unpack_from("<8i", word, self._lw + 12)
        if min(self.ccps) < 0:
            raise _fail("damaged", _DAMAGED)
        self._word = word

    def fc(self, index: int) -> tuple[int, int]:
        """The (fc, lcb) pair at ``index`` of FibRgFcLcb97 (11 PlcfHdd, 12 PlcfBteChpx, 33 Clx)."""
        return struct.unpack_from("<II", self._word, self._fc + 8 * index)


def _u16(buf: bytes, at: int) -> int:
    if at + 2 > len(buf):
        raise _fail("damaged", _DAMAGED)
    return struct.unpack_from("<H", buf, at)[0]


def _text(word: bytes, table: bytes, clx_at: tuple[int, int]) -> tuple[str, list[tuple[int, int, int, int]]]:
    """The whole text in CP order from the piece table, and the pieces as (cp, cp_end, byte offset, width)."""
    fc, lcb = clx_at
    if lcb < 5 or fc + lcb > len(table):
        raise _fail("damaged", _DAMAGED)
    clx, i = table[fc:fc + lcb], 0
    while clx[i] == 1:   # Prc: property modifiers for pieces, skipped
        if i + 3 > len(clx):
            raise _fail("damaged", _DAMAGED)
        i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
        if i >= len(clx):
            raise _fail("damaged", _DAMAGED)
    if clx[i] != 2 or i + 5 > len(clx):
        raise _fail("damaged", _DAMAGED)
    size = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + size]
    n, rest = divmod(size - 4, 12)
    if size < 16 or rest or len(plc) != size or n > MAX_PIECES:
        raise _fail("damaged", _DAMAGED)
    cps = struct.unpack_from(f"<{n + 1}I", plc)
    if cps[-1] > len(word):   # every character takes at least a byte of the stream
        raise _fail("damaged", _DAMAGED)
    parts, pieces = [], []
    for k, (_, fcv, _) in enumerate(struct.iter_unpack("<HIH", plc[4 * (n + 1):])):
        a, b = cps[k], cps[k + 1]
        if b < a:
            raise _fail("damaged", _DAMAGED)
        if fcv & 0x40000000:   # fCompressed
            start, width = (fcv & 0x3FFFFFFF) // 2, 1
        else:
            start, width = fcv & 0x3FFFFFFF, 2
        chunk = word[start:start + width * (b - a)]
        if len(chunk) != width * (b - a):
            raise _fail("damaged", _DAMAGED)
        parts.append(codecs.charmap_decode(chunk, "strict", _COMPRESSED)[0] if width == 1
                     else chunk.decode("utf-16-le", "replace"))
        pieces.append((a, b, start, width))
    return "".join(parts), pieces


def _story_bounds(fib: _Fib, length: int) -> list[tuple[str | None, int, int]]:
    """Each story's CP range. Stories running past the text mean a damaged file; text after them (beyond the
    final paragraph mark) is read too, as "extra", so that a file whose lengths disagree loses no text."""
    out, at = [], 0
    for name, ccp in zip(_STORIES, fib.ccps):
        out.append((name, at, at + ccp))
        at += ccp
    if at > length:
        raise _fail("damaged", _DAMAGED)
    if length - at > 1:
        out.append(("extra", at, length))
    return out


_FLAG_BYTES = re.compile(b"[\x3c\x00]\x08[\x01\x81]")   # sprmCFVanish or sprmCFRMarkDel switched on


def _flagged(word: bytes, table: bytes, bte_at: tuple[int, int],
             pieces: list[tuple[int, int, int, int]]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The CP ranges of hidden text (sprmCFVanish) and of tracked deletions (sprmCFRMarkDel), from the
    character formatting (PlcBteChpx → ChpxFkp pages). A damaged table leaves text in: it errs stricter."""
    fc, lcb = bte_at
    n, rest = divmod(lcb - 4, 8)
    if lcb < 12 or rest or fc + lcb > len(table):
        return [], []
    hidden, deleted = [], []
    for pn in sorted(set(struct.unpack_from(f"<{n}I", table, fc + 4 * (n + 1)))):
        at = (pn & 0x3FFFFF) * _FKP
        page = word[at:at + _FKP]
        if len(page) < _FKP or not _FLAG_BYTES.search(page):
            continue
        crun = page[_FKP - 1]
        if not crun or 5 * crun + 4 > _FKP - 1:
            continue
        rgfc = struct.unpack_from(f"<{crun + 1}I", page)
        rgb = 4 * (crun + 1)
        for r in range(crun):
            off = 2 * page[rgb + r]
            if not off:
                continue
            h, d = _char_flags(page[off + 1:off + 1 + page[off]])
            if h:
                hidden.append((rgfc[r], rgfc[r + 1]))
            if d:
                deleted.append((rgfc[r], rgfc[r + 1]))
        if len(hidden) + len(deleted) > MAX_RANGES:
            raise _fail("damaged", _DAMAGED)
    return _to_cps(hidden, pieces), _to_cps(deleted, pieces)


def _char_flags(grpprl: bytes) -> tuple[bool, bool]:
    """(hidden, deleted) set by a Chpx's sprms (operand 1, or 0x81: the opposite of a style without it)."""
    hidden = deleted = False
    i = 0
    while i + 2 < len(grpprl):
        sprm = grpprl[i] | grpprl[i + 1] << 8
        i += 2
        size = _SPRA_SIZE[sprm >> 13] or 1 + grpprl[i]
        if sprm == _SPRM_VANISH:
            hidden = grpprl[i] in (1, 0x81)
        elif sprm == _SPRM_DELETED:
            deleted = grpprl[i] in (1, 0x81)
        i += size
    return hidden, deleted


def _to_cps(ranges: list[tuple[int, int]], pieces: list[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    """Byte ranges of the WordDocument stream as merged CP ranges, through the pieces holding those bytes."""
    if not ranges:
        return []
    by_start = sorted((start, start + width * (b - a), a, width) for a, b, start, width in pieces)
    starts = [p[0] for p in by_start]
    out = []
    for f0, f1 in ranges:
        k = bisect.bisect_left(starts, f1) - 1
        while k >= 0 and by_start[k][1] > f0:   # pieces do not share bytes: stop at the first one before f0
            s, e, cp, width = by_start[k]
            lo, hi = max(f0, s), min(f1, e)
            if lo < hi:
                out.append((cp + (lo - s + width - 1) // width, cp + (hi - s + width - 1) // width))
            k -= 1
    return _merge(out)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif a < b:
            out.append((a, b))
    return out


def _cut(text: str, lo: int, hi: int, ranges: list[tuple[int, int]]) -> str:
    """text[lo:hi] without the (merged, sorted) CP ranges."""
    if not ranges:
        return text[lo:hi]
    parts, at = [], lo
    for a, b in ranges[max(0, bisect.bisect_left(ranges, (lo, lo)) - 1):]:
        if a >= hi:
            break
        if b <= at:
            continue
        parts.append(text[at:max(at, a)])
        at = max(at, b)
    parts.append(text[at:hi] if at < hi else "")
    return "".join(parts)


_FIELD = re.compile("[\x13\x14\x15]")
_CONTROL = re.compile("[\x00-\x08\x0f-\x1d\x1f]")
_PLACE_FIELD, _PLACE_CELL = "\ufdd2", "\ufdd3"


def _fields(text: str) -> str:
    """Field codes (0x13 … 0x14) dropped, results (0x14 … 0x15) kept; a result holding 密 is flagged so.
    Fields that never close leave all of their text in (nothing is dropped on a damaged file's word)."""
    out, codes, stack, at = [], 0, [], 0
    for m in _FIELD.finditer(text):
        seg = text[at:m.start()]
        if seg and not codes:
            out.append(_PLACE_FIELD + seg if stack and "密" in seg else seg)
        c = m.group()
        if c == "\x13":
            stack.append(False)
            codes += 1
        elif stack and c == "\x14" and not stack[-1]:
            stack[-1] = True
            codes -= 1
        elif stack and c == "\x15":
            codes -= not stack.pop()
        at = m.end()
    if stack:
        return _FIELD.sub("", text)
    out.append(text[at:])
    return "".join(out)


def _lines(text: str, places: dict[str, list[str]] | None = None) -> list[str]:
    """A story's text as lines: paragraphs (\\r), cells and rows (\\x07), line, page and column breaks; other
    control characters dropped. ``places`` gets the place ("table", "field") of each such line holding a 密."""
    if "\x13" in text:
        text = _fields(text)
    if "\x07" in text:
        text = text.replace("\x07", _PLACE_CELL + "\n")
    for c in ("\r", "\x0b", "\x0c", "\x0e"):
        if c in text:
            text = text.replace(c, "\n")
    if "\x1e" in text:   # non-breaking hyphen
        text = text.replace("\x1e", "-")
    text = _CONTROL.sub("", text)
    if "\ufdd2" in text or "\ufdd3" in text:
        if places is not None and "密" in text:
            for line in text.split("\n"):
                if "密" in line and (_PLACE_FIELD in line or _PLACE_CELL in line):
                    where = "field" if _PLACE_FIELD in line else "table"
                    key = line.replace(_PLACE_FIELD, "").replace(_PLACE_CELL, "").strip()
                    places.setdefault(key, []).append(where)
        text = text.replace(_PLACE_FIELD, "").replace(_PLACE_CELL, "")
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def _hdd(table: bytes, plc_at: tuple[int, int], text: str, lo: int, hi: int,
         ranges: list[tuple[int, int]]) -> list[tuple[str, list[str]]]:
    """The headers/footers story split by PlcfHdd into headers, footers and note separators; without a usable
    PlcfHdd all of it is "header"."""
    fc, lcb = plc_at
    cps = ()
    if lcb >= 8 and lcb % 4 == 0 and fc + lcb <= len(table):
        cps = struct.unpack_from(f"<{lcb // 4}I", table, fc)
        if any(b < a for a, b in zip(cps, cps[1:])):
            cps = ()
        else:   # the last CP stands one past the story (its guard paragraph mark)
            cps = tuple(min(cp, hi - lo) for cp in cps)
    if not cps:
        return [("header", _lines(_cut(text, lo, hi, ranges)))] if hi > lo else []
    out: dict[str, list[str]] = {}
    for k in range(len(cps) - 1):
        a, b = lo + cps[k], lo + cps[k + 1]
        if b > a:
            kind = ("footnote" if k < 3 else "endnote") if k < 6 else _HDD_KINDS[(k - 6) % 6]
            out.setdefault(kind, []).extend(_lines(_cut(text, a, b, ranges)))
    for a, b in ((lo, lo + cps[0]), (lo + cps[-1], hi)):   # text outside every story still counts
        if b > a:
            out.setdefault("header", []).extend(_lines(_cut(text, a, b, ranges)))
    return list(out.items())


# ----------------------------------------------------------------------------- property sets (MS-OLEPS)

_SUMMARY = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")        # {F29F85E0-4FF9-1068-AB91-08002B27B3D9}
_DOC_SUMMARY = bytes.fromhex("02d5cdd59c2e1b10939708002b2cf9ae")    # {D5CDD502-2E9C-101B-9397-08002B2CF9AE}
_USER_DEFINED = bytes.fromhex("05d5cdd59c2e1b10939708002b2cf9ae")   # {D5CDD505-2E9C-101B-9397-08002B2CF9AE}


class _Properties:
    """The summary title; 密级 marks in title, subject, keywords, comments, category and custom properties."""

    def __init__(self, ole: olefile.OleFileIO, cap: int):
        self.title: str | None = None
        sets: dict[bytes, tuple[dict, dict]] = {}
        for name in ("\x05SummaryInformation", "\x05DocumentSummaryInformation"):
            if ole.exists(name) and ole.get_size(name) <= min(cap, SMALL_PART):
                data = ole.openstream(name).read()
                try:
                    sets.update(_property_sets(data))
                except (struct.error, ValueError, IndexError, LookupError):
                    continue   # damaged metadata is skipped, as the .docx reader skips a damaged docProps
        summary = sets.get(_SUMMARY, ({}, {}))[0]
        title = summary.get(2)
        self.title = title.strip() or None if isinstance(title, str) else None
        fields = [summary.get(pid) for pid in (2, 3, 5, 6)] + [sets.get(_DOC_SUMMARY, ({}, {}))[0].get(2)]
        values, names = sets.get(_USER_DEFINED, ({}, {}))
        custom = [(names.get(pid, ""), value) for pid, value in values.items() if isinstance(value, str)]
        self.marks = property_marks([f for f in fields if isinstance(f, str)], custom)


def _property_sets(data: bytes) -> dict[bytes, tuple[dict, dict]]:
    """Each property set of a property set stream by FMTID: ({pid: value}, {pid: name})."""
    order, = struct.unpack_from("<H", data, 0)
    count, = struct.unpack_from("<I", data, 24)
    if order != 0xFFFE:
        return {}
    out = {}
    for k in range(min(count, 2)):
        fmtid = data[28 + 20 * k:44 + 20 * k]
        offset, = struct.unpack_from("<I", data, 44 + 20 * k)
        out[fmtid] = _property_set(data, offset)
    return out


def _property_set(data: bytes, base: int) -> tuple[dict, dict]:
    size, count = struct.unpack_from("<II", data, base)
    end = min(len(data), base + size)
    count = min(count, MAX_PROPERTIES)
    entries = struct.unpack_from(f"<{2 * count}I", data, base + 8)
    pairs = list(zip(entries[0::2], entries[1::2]))
    codepage = 1252
    for pid, off in pairs:
        if pid == 1 and struct.unpack_from("<H", data, base + off)[0] == 2:   # CodePage, VT_I2
            codepage = struct.unpack_from("<H", data, base + off + 4)[0]
    codec = _codec(codepage)
    values, names = {}, {}
    for pid, off in pairs:
        at = base + off
        if pid == 0:
            names = _dictionary(data, at, end, codepage, codec)
        elif pid != 1:
            values[pid] = _value(data, at, end, codec)
    return values, names


def _codec(codepage: int) -> str:
    if codepage == 1200:
        return "utf-16-le"
    if codepage == 65001:
        return "utf-8"
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "gb18030"   # an unknown code page: Chinese systems write 936, of which GB 18030 is a superset


def _chars(data: bytes, at: int, n: int, end: int, codec: str) -> str:
    if n < 0 or at + n > end:
        raise ValueError("property out of bounds")
    return data[at:at + n].decode(codec, "replace").split("\x00", 1)[0]


def _value(data: bytes, at: int, end: int, codec: str) -> str | None:
    vt, = struct.unpack_from("<H", data, at)
    if vt == 0x1E:   # VT_LPSTR: bytes in the set's code page (UTF-16 when it is 1200)
        return _chars(data, at + 8, struct.unpack_from("<I", data, at + 4)[0], end, codec)
    if vt == 0x1F:   # VT_LPWSTR
        return _chars(data, at + 8, 2 * struct.unpack_from("<I", data, at + 4)[0], end, "utf-16-le")
    return None


def _dictionary(data: bytes, at: int, end: int, codepage: int, codec: str) -> dict[int, str]:
    count, = struct.unpack_from("<I", data, at)
    at += 4
    names = {}
    for _ in range(min(count, MAX_PROPERTIES)):
        pid, length = struct.unpack_from("<II", data, at)
        at += 8
        width = 2 if codepage == 1200 else 1
        names[pid] = _chars(data, at, width * length, end, codec)
        at += width * length
        if width == 2:
            at += -at % 4
    return names
