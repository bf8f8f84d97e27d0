"""Hardened reader of ODF text documents (.odt, and flat .fodt): content, headers/footers, notes, metadata."""
from __future__ import annotations

import zipfile
import zlib

from lxml import etree

from .properties import property_marks
from .read import (MAX_BYTES, MAX_RATIO, MAX_UNCOMPRESSED, MB, SIDE_PART, SMALL_PART, DocumentFacts,
                   DocumentReadError, _parse_xml, _read_member, facts_from_parts, open_zip)

__all__ = ["read_odt"]

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"


def _t(tag: str) -> str:
    return f"{{{_TEXT}}}{tag}"


_P, _H, _S, _TAB, _BREAK, _SPAN = _t("p"), _t("h"), _t("s"), _t("tab"), _t("line-break"), _t("span")
_NOTE, _NOTE_CITATION, _NOTE_BODY = _t("note"), _t("note-citation"), _t("note-body")
_HIDDEN_TEXT, _HIDDEN_PARAGRAPH, _SECTION = _t("hidden-text"), _t("hidden-paragraph"), _t("section")
_RUBY_TEXT = _t("ruby-text")
_ANNOTATION = f"{{{_OFFICE}}}annotation"
_STYLE_NAME, _DISPLAY = _t("style-name"), _t("display")
# No text a person reads: tracked changes hold deleted text (left out, as the .docx reader leaves w:del out).
_SKIP = {_t("tracked-changes"), _t("sequence-decls"), _t("variable-decls"), _t("user-field-decls"),
         _t("dde-connection-decls"), f"{{{_OFFICE}}}forms", f"{{{_OFFICE}}}annotation-end", _NOTE_CITATION,
         f"{{{_SVG}}}title", f"{{{_SVG}}}desc", f"{{{_DC}}}creator", f"{{{_DC}}}date",
         f"{{{_META}}}date-string"}
_SIDES = {f"{{{_STYLE}}}{kind}{variant}": kind for kind in ("header", "footer")
          for variant in ("", "-left", "-first")}
MAX_DEPTH = 200
MAX_SPACES = 1000

_MESSAGES = {
    "not_zip": "文件不是有效的 .odt（不是 zip 压缩包）",
    "truncated": "文件不完整或已损坏（.odt 压缩包被截断），请重新导出后上传",
    "not_odt": "压缩包中没有 ODF 正文（content.xml），不是 .odt 文件",
    "bad_xml": "文件内容已损坏（.odt 正文 XML 无法解析）",
    "bad_part": "文件内容已损坏（.odt 的样式、页眉页脚或属性 XML 无法解析）",
    "encrypted": "文件已加密（设有打开密码），无法核对密级",
}


def _fail(code: str) -> DocumentReadError:
    return DocumentReadError(code, _MESSAGES.get(code))


def read_odt(raw: bytes, *, max_bytes: int = MAX_BYTES, max_uncompressed: int = MAX_UNCOMPRESSED,
             max_ratio: float = MAX_RATIO) -> DocumentFacts:
    """Read an .odt (or a flat .fodt) file's text and facts. Raises :class:`DocumentReadError` only."""
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise DocumentReadError("too_large", f"文件过大（{len(raw) / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB），已拒绝读取")
    stage = "truncated"
    try:
        if not raw.startswith(b"PK"):
            stage = "bad_xml"
            root = _parse_xml(raw)
            if root.tag != f"{{{_OFFICE}}}document":
                raise _fail("not_zip")
            return _facts(root, root, root)
        try:
            package = open_zip(raw, max_uncompressed=max_uncompressed, max_ratio=max_ratio)
        except DocumentReadError as exc:
            raise _fail(exc.code) if exc.code in ("not_zip", "truncated") else exc
        with package as (zf, names):
            if "content.xml" not in names:
                raise _fail("not_odt")
            manifest = names.get("META-INF/manifest.xml")
            # An encrypted package keeps its zip plain and its parts encrypted, as the manifest says.
            listed = _read_member(zf, manifest, SMALL_PART, max_ratio) if manifest is not None else b""
            if b"encryption-data" in listed:
                raise _fail("encrypted")
            content = _read_member(zf, names["content.xml"], max_uncompressed, max_ratio)
            parts = {}
            for name, cap in (("styles.xml", SIDE_PART), ("meta.xml", SMALL_PART)):
                if name in names:
                    parts[name] = _read_member(zf, names[name], min(cap, max_uncompressed), max_ratio)
        stage = "bad_xml"
        root = _parse_xml(content)
        stage = "bad_part"
        styles = _parse_xml(parts["styles.xml"]) if "styles.xml" in parts else None
        meta = _parse_xml(parts["meta.xml"]) if "meta.xml" in parts else None
        return _facts(root, styles, meta)
    except DocumentReadError as exc:
        raise _fail(stage) if exc.code == "bad_xml" and stage == "bad_part" else exc
    except RuntimeError as exc:   # zipfile: "... is encrypted, password required"
        raise _fail("encrypted" if "encrypt" in str(exc) or "password" in str(exc) else stage) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError) as exc:
        raise _fail(stage) from exc
    except MemoryError as exc:
        raise DocumentReadError("zip_bomb") from exc
    except Exception as exc:   # last resort: callers only ever see DocumentReadError
        raise _fail(stage) from exc


def _facts(content: etree._Element, styles: etree._Element | None,
           meta: etree._Element | None) -> DocumentFacts:
    common = _styles(styles, f"{{{_OFFICE}}}styles")
    body = content.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise DocumentReadError("empty_body", "文件不是 ODF 文本文档（没有 office:text 正文）")
    # Automatic styles of content.xml and styles.xml are apart (both may have a "P1"); common ones are shared.
    text = _Text(_hidden({**common, **_styles(content, f"{{{_OFFICE}}}automatic-styles")}))
    out = text.out("body")
    text.block(body, out, None, False, 0)
    if not any(line.strip() for line in out.lines):
        raise DocumentReadError("empty_body")
    side = _Text(_hidden({**common, **_styles(styles, f"{{{_OFFICE}}}automatic-styles")}), text.outs)
    masters = styles.find(f"{{{_OFFICE}}}master-styles") if styles is not None else None
    for page in masters if masters is not None else ():
        for part in page:
            kind = _SIDES.get(part.tag) if isinstance(part.tag, str) else None
            if kind is not None:
                side.block(part, side.out(kind), None, part.get(f"{{{_STYLE}}}display") == "false", 0)
    title, fields, custom = _meta(meta)
    parts = [(where, o.lines) for where, o in text.outs.items() if where != "body"]
    scan = [("hidden", o.all) for o in text.outs.values() if o.hidden]
    return facts_from_parts(out.lines, side=parts, marks=property_marks(fields, custom), title=title,
                            places=out.places, scan=scan, format="odt")


class _Out:
    """Lines as seen, all lines (hidden text too), and the places of the seen lines holding a 密."""

    def __init__(self):
        self.lines: list[str] = []
        self.all: list[str] = []
        self.places: dict[str, list[str]] = {}
        self.hidden = False


class _Text:
    """Walks ODF text: paragraphs and headings as lines, in order, through lists, sections, tables, frames."""

    def __init__(self, hidden_styles: dict[tuple[str, str], bool], outs: dict[str, _Out] | None = None):
        self.hidden_styles = hidden_styles
        self.outs = outs if outs is not None else {}

    def out(self, where: str) -> _Out:
        return self.outs.setdefault(where, _Out())

    def _hides(self, family: str, el: etree._Element) -> bool:
        return self.hidden_styles.get((family, el.get(_STYLE_NAME) or ""), False)

    def block(self, el: etree._Element, out: _Out, place: str | None, hidden: bool, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _fail("bad_xml")
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _P or tag == _H:
                self.paragraph(child, out, place, hidden, depth + 1)
            elif tag == _SECTION:
                hides = hidden or child.get(_DISPLAY) == "none" or self._hides("section", child)
                self.block(child, out, place, hides, depth + 1)
            elif tag.startswith(f"{{{_TABLE}}}"):
                self.block(child, out, "table", hidden, depth + 1)
            elif tag.startswith(f"{{{_DRAW}}}"):
                self.block(child, out, "textbox", hidden, depth + 1)
            else:   # lists, list items, indexes, table rows and cells...
                self.block(child, out, place, hidden, depth + 1)

    def paragraph(self, p: etree._Element, out: _Out, place: str | None, hidden: bool, depth: int) -> None:
        hidden = hidden or self._hides("paragraph", p) or any(
            h.get(_t("is-hidden")) == "true" for h in p.iter(_HIDDEN_PARAGRAPH))
        seen: list[str] = []
        every: list[str] = []
        later: list[tuple[str, etree._Element, bool]] = []
        self.inline(p, hidden, seen, every, later, depth + 1)
        text = "".join(every)
        out.all += text.split("\n")
        if hidden:
            out.hidden = True
        else:
            shown = "".join(seen)
            out.hidden = out.hidden or shown != text
            for line in shown.split("\n"):
                out.lines.append(line)
                if place and "密" in line:
                    out.places.setdefault(line.strip(), []).append(place)
        for kind, el, hides in later:
            if kind == "textbox":
                self.block(el, out, "textbox", hides, depth + 1)
            else:
                self.block(el, self.out(kind), None, hides, depth + 1)

    def inline(self, el: etree._Element, hidden: bool, seen: list[str], every: list[str],
               later: list[tuple[str, etree._Element, bool]], depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _fail("bad_xml")
        if el.text:
            every.append(el.text)
            if not hidden:
                seen.append(el.text)
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                pass
            elif tag == _S or tag == _TAB or tag == _BREAK:
                if tag == _S:
                    try:
                        n = min(MAX_SPACES, max(1, int(child.get(_t("c")) or 1)))
                    except ValueError:
                        n = 1
                    s = " " * n
                else:
                    s = "\t" if tag == _TAB else "\n"
                every.append(s)
                if not hidden:
                    seen.append(s)
            elif tag == _NOTE:
                body = child.find(_NOTE_BODY)
                if body is not None:
                    kind = "endnote" if child.get(_t("note-class")) == "endnote" else "footnote"
                    later.append((kind, body, hidden))
            elif tag == _ANNOTATION:
                later.append(("comment", child, hidden))
            elif tag.startswith(f"{{{_DRAW}}}"):
                later.append(("textbox", child, hidden))
            else:
                # spans, links, fields, ruby; text:hidden-text, a character style with text:display="none"
                # and a ruby's phonetic text are not seen (they stay in all of the text)
                hides = hidden or tag == _HIDDEN_TEXT or tag == _RUBY_TEXT or (
                    tag == _SPAN and self._hides("text", child))
                self.inline(child, hides, seen, every, later, depth + 1)
            if child.tail:
                every.append(child.tail)
                if not hidden:
                    seen.append(child.tail)


def _styles(root: etree._Element | None, container: str) -> dict[tuple[str, str], tuple[bool, str | None]]:
    """(family, name) → (text:display="none" on the style itself, its parent) for a container's styles."""
    box = root.find(container) if root is not None else None
    out = {}
    for el in box.iter(f"{{{_STYLE}}}style") if box is not None else ():
        family = el.get(f"{{{_STYLE}}}family") or ""
        kind = "section-properties" if family == "section" else "text-properties"
        props = el.find(f"{{{_STYLE}}}{kind}")
        out[(family, el.get(f"{{{_STYLE}}}name") or "")] = (
            props is not None and props.get(_DISPLAY) == "none", el.get(f"{{{_STYLE}}}parent-style-name"))
    return out


def _hidden(styles: dict[tuple[str, str], tuple[bool, str | None]]) -> dict[tuple[str, str], bool]:
    """(family, name) → hidden, by the style itself or an ancestor (style:parent-style-name, same family)."""
    out = {}
    for key, (own, parent) in styles.items():
        seen = {key}
        while not own and parent and (key[0], parent) in styles and (key[0], parent) not in seen:
            seen.add((key[0], parent))
            own, parent = styles[(key[0], parent)]
        out[key] = own
    return out


_META_FIELDS = (f"{{{_DC}}}title", f"{{{_DC}}}subject", f"{{{_DC}}}description", f"{{{_META}}}keyword")


def _meta(root: etree._Element | None) -> tuple[str | None, list[str], list[tuple[str, str]]]:
    """meta.xml's title, its text fields that may hold a mark, and the user-defined (name, value) pairs."""
    box = root.find(f"{{{_OFFICE}}}meta") if root is not None else None
    if box is None:
        return None, [], []
    fields, custom, title = [], [], None
    for el in box:
        if el.tag in _META_FIELDS:
            text = "".join(el.itertext())
            fields.append(text)
            if el.tag == _META_FIELDS[0]:
                title = text.strip() or None
        elif el.tag == f"{{{_META}}}user-defined":
            custom.append((el.get(f"{{{_META}}}name") or "", "".join(el.itertext())))
    return title, fields, custom
