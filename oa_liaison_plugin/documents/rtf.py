"""Hardened reader of RTF files: a small tokenizer of groups and control words, text decoded per font."""
from __future__ import annotations

import codecs
import re

from .properties import property_marks
from .read import MAX_BYTES, MB, DocumentFacts, DocumentReadError, facts_from_parts

__all__ = ["read_rtf"]

MAX_DEPTH = 512
_BAD = "文件内容已损坏（RTF 结构无法解析），请重新导出后上传"

# A control word (its delimiting space eaten), a run of \'hh bytes, a control symbol, a brace, plain text.
_TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|((?:\\'[0-9a-fA-F]{2})+)|\\(.)|([{}])|([^\\{}\r\n]+)"
                    rb"|[\r\n]+|\\", re.DOTALL)

# Where the text of a destination goes: a side part of the page, or a metadata field of \info.
_SINKS = {**dict.fromkeys(("header", "headerl", "headerr", "headerf"), "header"),
          **dict.fromkeys(("footer", "footerl", "footerr", "footerf"), "footer"),
          "footnote": "footnote", "annotation": "comment", "shptxt": "textbox", "dptxbxtext": "textbox"}
_META = {"title", "subject", "keywords", "doccomm", "comment", "category"}
# Destinations without text a person reads (\* ones not listed anywhere are skipped too).
_SKIP = set("""
    fonttbl colortbl stylesheet pict objdata objclass objname fldinst bkmkstart bkmkend txe xe tc tcn atnid
    atnauthor atndate atnref atnparent atrfstart atrfend pntxta pntxtb ftnsep ftnsepc ftncn aftnsep aftnsepc
    aftncn sp sn sv shprslt nonshppict template nextfile falt panose fname listtable listoverridetable revtbl
    rsidtbl xmlnstbl filetbl generator themedata colorschememapping latentstyles datastore author operator
    company manager hlinkbase password passwordhash protusertbl pgdsctbl listname datafield ffdeftext ffformat
    ffhelptext ffstattext ffentrymcr ffexitmcr ffname blipuid wgrffmtfilter mmathPr buptim creatim revtim
    printim docvar objalias objsect oleclsid bookmark fchars lchars pnseclvl keycode mhtmltag htmltag xmlopen
    xmlclose xmlattrname xmlattrvalue factoidname formfield background pgptbl picprop rxe jpegblip pngblip
""".split())
_CHARS = {"tab": "\t", "emdash": "\u2014", "endash": "\u2013", "lquote": "\u2018", "rquote": "\u2019",
          "ldblquote": "\u201c", "rdblquote": "\u201d", "bullet": "\u2022", "emspace": "\u2003",
          "enspace": "\u2002", "qmspace": "\u2005", "~": "\u00a0", "_": "\u2011"}
_NEWLINE = {"par", "line", "sect", "page", "row", "nestrow", "column", "softline", "lbr"}
# \fcharset → Windows code page. ANSI (0) and default (1) fonts take the document's \ansicpg: Chinese
# writers leave GBK bytes under a Latin font of a \ansicpg936 file, and a mark read as cp1252 would be lost.
_CHARSETS = {2: 1252, 77: 10000, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254,
             163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250, 254: 437, 255: 850}


_CHARSET_WORDS = {"mac": 10000, "pc": 437, "pca": 850}


def _codec(cp: int) -> str:
    if cp == 936:
        return "gb18030"   # a superset of GBK: more of the bytes real files hold decode
    try:
        return codecs.lookup(f"cp{cp}").name
    except LookupError:
        return "mac_roman" if cp == 10000 else "cp1252"


class _State:
    """A group's state: where its text goes, \\uc, font, hidden (\\v), deleted, in a table cell or a field."""
    __slots__ = ("dest", "uc", "font", "hidden", "deleted", "place", "intbl", "ud")

    def __init__(self):
        # a sink name, ("meta", field), ("custom", i, j), "fonttbl", "info", "userprops" or None (skipped)
        self.dest: object = "body"
        self.uc, self.font, self.hidden, self.deleted = 1, None, False, False
        self.place: str | None = None
        self.intbl = False
        self.ud: object = None       # the destination a \*\ud group inside \upr writes to

    def copy(self) -> "_State":
        s = _State.__new__(_State)
        for k in _State.__slots__:
            setattr(s, k, getattr(self, k))
        return s


class _Sink:
    """One story's lines as seen and all of its lines (hidden text too); places of seen lines holding a 密."""

    def __init__(self):
        self.lines: list[str] = []
        self.all: list[str] = []
        self.cur: list[str] = []
        self.cur_all: list[str] = []
        self.place: str | None = None
        self.places: dict[str, list[str]] = {}
        self.hidden = False

    def newline(self, place: str | None = None) -> None:
        line = "".join(self.cur)
        self.lines.append(line)
        self.all.append("".join(self.cur_all))
        place = place or self.place
        if place and "密" in line:
            self.places.setdefault(line.strip(), []).append(place)
        self.cur, self.cur_all, self.place = [], [], None


def read_rtf(raw: bytes, *, max_bytes: int = MAX_BYTES) -> DocumentFacts:
    """Read an RTF file's text and facts. Raises :class:`DocumentReadError` (and nothing else)."""
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise DocumentReadError("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    start = len(raw) - len(raw.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if not raw.startswith(b"{\\rtf", start):
        raise DocumentReadError("not_rtf", "文件不是有效的 RTF 文档")
    try:
        reader = _Reader()
        reader.feed(raw, start)
    except DocumentReadError:
        raise
    except MemoryError as exc:
        raise DocumentReadError("too_large") from exc
    except Exception as exc:   # last resort: callers only ever see DocumentReadError
        raise DocumentReadError("bad_rtf", _BAD) from exc
    body = reader.sinks["body"]
    if not any(line.strip() for line in body.lines):
        raise DocumentReadError("empty_body")
    side = [(name, sink.lines) for name, sink in reader.sinks.items() if name != "body"]
    scan = [("hidden", sink.all) for sink in reader.sinks.values() if sink.hidden]
    meta = reader.meta
    marks = property_marks([meta.get(k) for k in sorted(_META)], [(n, v) for n, v in reader.custom])
    title = (meta.get("title") or "").strip() or None
    return facts_from_parts(body.lines, side=side, marks=marks, title=title, places=body.places, scan=scan,
                            format="rtf")


class _Reader:
    """One file's reading: the group stack, the text of each story (sink), the metadata and the fonts."""

    def __init__(self):
        self.state = _State()
        self.stack: list[_State] = []
        self.sinks: dict[str, _Sink] = {"body": _Sink()}
        self.meta: dict[str, str] = {}
        self.custom: list[list[str]] = []
        self.fonts: dict[int, int] = {}   # font number → code page
        self.ansicpg, self.deff = 1252, None
        self.defining: int | None = None   # the font a \fonttbl entry defines
        self.decoder = None
        self.decoder_cp: int | None = None
        self.surrogates = False

    # ------------------------------------------------------------------------------------------ tokens

    def feed(self, raw: bytes, pos: int) -> None:
        skip, star, end = 0, False, len(raw)
        match = _TOKEN.match
        while pos < end:
            m = match(raw, pos)
            pos = m.end()
            word, arg, hexa, sym, brace, text = m.groups()
            if brace is not None:
                self.flush()
                skip, star = 0, False
                if brace == b"{":
                    if len(self.stack) >= MAX_DEPTH:
                        raise DocumentReadError("bad_rtf", "文件内容已损坏（RTF 分组嵌套过深），已拒绝读取")
                    self.stack.append(self.state)
                    self.state = self.state.copy()
                elif self.stack:
                    self.state = self.stack.pop()
                continue
            if hexa is not None:
                data = bytes.fromhex(hexa.replace(b"\\'", b"").decode("ascii"))
                data, skip = data[skip:], max(0, skip - len(data))   # \'hh standing for the last \uN
                if data:
                    self.bytes(data)
                continue
            if word is None and sym is None and text is None:   # line ends in the file are no text
                continue
            if skip:   # the character or control word standing for the last \uN
                if text is not None and len(text) > skip:
                    text, skip = text[skip:], 0
                else:
                    skip -= len(text) if text is not None else 1
                    continue
            if text is not None:
                self.text(text)
            elif word is not None:
                name = word.decode("ascii")
                n = int(arg) if arg is not None else None
                if name == "bin":   # binary data: never text, never tokens
                    pos += max(0, n or 0)
                elif name == "u" and n is not None:
                    self.flush()
                    c = n % 65536
                    self.surrogates = self.surrogates or 0xD800 <= c < 0xE000
                    self.emit(chr(c))
                    skip = self.state.uc
                else:
                    self.word(name, n, star)
                star = False
            else:
                c = sym.decode("latin-1")
                if c == "*":
                    star = True
                    continue
                if c in "\r\n":
                    self.word("par", None, False)
                elif c in "\\{}":
                    self.text(sym)
                elif c in _CHARS:
                    self.flush()
                    self.emit(_CHARS[c])
                star = False
        self.flush()
        for sink in self.sinks.values():
            if sink.cur or sink.cur_all:
                sink.newline()
            if self.surrogates:   # pairs written as two \uN, joined again
                sink.lines, sink.all = _paired(sink.lines), _paired(sink.all)

    def word(self, name: str, n: int | None, star: bool) -> None:
        st = self.state
        if name in _NEWLINE or name == "cell" or name == "nestcell":
            self.flush()
            sink = self.sinks.get(st.dest) if isinstance(st.dest, str) else None
            if sink is not None and not st.deleted:
                sink.newline("table" if name in ("cell", "nestcell") or st.intbl else None)
        elif name in _CHARS:
            self.flush()
            self.emit(_CHARS[name])
        elif name == "f":
            self.flush()
            if st.dest == "fonttbl":
                self.defining = n
            else:
                st.font = n
        elif name == "fcharset" and st.dest == "fonttbl" and self.defining is not None and n in _CHARSETS:
            self.fonts[self.defining] = _CHARSETS[n]
        elif name == "cpg" and st.dest == "fonttbl" and self.defining is not None and n:
            self.fonts[self.defining] = n
        elif name == "ansicpg" and n:
            self.ansicpg = n
        elif name in _CHARSET_WORDS:
            self.ansicpg = _CHARSET_WORDS[name]
        elif name == "deff":
            self.deff = n
        elif name == "uc" and n is not None:
            st.uc = max(0, min(n, 10))
        elif name == "v":
            st.hidden = n != 0
        elif name == "deleted":
            st.deleted = n != 0
        elif name == "plain":
            st.font, st.hidden, st.deleted = self.deff, False, False
        elif name == "pard":
            st.intbl = False
        elif name == "intbl":
            st.intbl = True
        else:
            self.destination(name, star)

    def destination(self, name: str, star: bool) -> None:
        st = self.state
        if st.dest is None:   # inside a skipped group only \ud (the Unicode copy inside \upr) comes back
            if name == "ud" and st.ud is not None:
                st.dest = st.ud
            return
        if name in _SKIP:
            if name == "fonttbl":
                st.dest = "fonttbl"
            else:
                st.dest = None
        elif name == "info":
            st.dest = "info"
        elif name in _META and st.dest == "info":
            st.dest = ("meta", name)
        elif name == "userprops":
            st.dest = "userprops"
        elif name == "propname" and st.dest == "userprops":
            self.custom.append(["", ""])
            st.dest = ("custom", len(self.custom) - 1, 0)
        elif name == "staticval" and st.dest == "userprops" and self.custom:
            st.dest = ("custom", len(self.custom) - 1, 1)
        elif name == "upr":
            st.ud, st.dest = st.dest, None
        elif name in _SINKS:
            st.dest, st.place, st.intbl = _SINKS[name], None, False
            self.sinks.setdefault(st.dest, _Sink())
        elif name == "ftnalt" and st.dest == "footnote":
            st.dest = "endnote"
            self.sinks.setdefault("endnote", _Sink())
        elif name == "fldrslt":
            st.place = "field"
        elif star and name not in ("ud", "shpinst", "shp", "fldrslt", "result", "listtext", "pntext"):
            st.dest = None   # an ignorable destination this reader does not know

    # ------------------------------------------------------------------------------------------ text

    def cp(self) -> int:
        font = self.state.font if self.state.font is not None else self.deff
        return self.fonts.get(font, self.ansicpg) if font is not None else self.ansicpg

    def bytes(self, data: bytes) -> None:
        cp = self.cp()
        if cp != self.decoder_cp:
            self.flush()
            self.decoder = codecs.getincrementaldecoder(_codec(cp))("replace")
            self.decoder_cp = cp
        self.emit(self.decoder.decode(data))

    def text(self, data: bytes) -> None:
        if self.decoder is not None and self.decoder.getstate()[0]:
            # a double-byte character whose trail byte stands as a plain character ("\'83e")
            self.bytes(data[:1])
            data = data[1:]
        if data.isascii():
            if data:
                self.emit(data.decode("ascii"))
        else:   # raw 8-bit text: bytes of the current code page
            self.bytes(data)

    def flush(self) -> None:
        if self.decoder is not None and self.decoder.getstate()[0]:
            self.emit(self.decoder.decode(b"", True))

    def emit(self, s: str) -> None:
        if not s:
            return
        st = self.state
        dest = st.dest
        if isinstance(dest, str):
            sink = self.sinks.get(dest)
            if sink is None or st.deleted:
                return
            sink.cur_all.append(s)
            if st.hidden:
                sink.hidden = True
            else:
                sink.cur.append(s)
                if st.place or st.intbl:
                    sink.place = st.place or "table"
        elif isinstance(dest, tuple):
            if dest[0] == "meta":
                self.meta[dest[1]] = self.meta.get(dest[1], "") + s
            else:
                self.custom[dest[1]][dest[2]] += s


def _paired(lines: list[str]) -> list[str]:
    return [x.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace") for x in lines]
