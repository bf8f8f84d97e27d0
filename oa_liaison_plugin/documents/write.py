"""Fill a .docx template (site folder first, packaged second): sandboxed Jinja fields, then the body."""
from __future__ import annotations

import functools
import io
import math
import re
import zipfile
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, UndefinedError, meta
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ..errors import InputError
from . import gbt9704 as g

PACKAGED = Path(__file__).with_name("templates")
W = "{%s}" % g.W_NS
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_FIELD = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_MARKER = re.compile(r"^\s*\{\{\s*body\s*\}\}\s*$")
_THEME_ATTR = re.compile(rb'\s+w:(?:ascii|hAnsi|eastAsia|cs)[Tt]heme="[^"]*"')
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class DraftError(InputError):
    """A draft cannot be made: ``field`` names the input or template field at fault, ``message`` says why (and
    already names the field, as the draft tools print it); ``template`` is the template file at fault."""

    def __init__(self, field: str, message: str, *, template: str | None = None):
        super().__init__(field, message)
        self.template = template

    def __str__(self) -> str:
        return self.message


def find_template(name: str, templates_dir=None) -> Path:
    """``templates_dir/name`` when it exists (the site's own letterhead), else the packaged default."""
    if templates_dir:
        site = Path(templates_dir) / name
        if site.is_file():
            return site
    return PACKAGED / name


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A .docx from its parts, in the given order, with fixed timestamps (same input, same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# ------------------------------------------------------------------------------- template load


class _Package:
    """A template's parts, read once per file version; site templates are made safe on load."""

    def __init__(self, path: Path):
        try:
            with zipfile.ZipFile(path) as zf:
                self.parts = {info.filename: zf.read(info) for info in zf.infolist()}
        except (OSError, zipfile.BadZipFile) as exc:
            raise DraftError("(模板)", f"模板 {path} 不是可读的 .docx 文件：{exc}", template=str(path)) from exc
        if "word/document.xml" not in self.parts:
            raise DraftError("(模板)", f"模板 {path} 缺少 word/document.xml", template=str(path))
        if path.parent != PACKAGED:
            self._make_safe()
        self.field_parts = [n for n, data in self.parts.items()
                            if n.startswith("word/") and n.endswith(".xml") and n != "word/document.xml"
                            and (b"{{" in data or b"{%" in data)]

    def _make_safe(self):
        """Drop theme font attributes and add the Gb* styles the generated body uses if missing."""
        for name, data in self.parts.items():
            if name.startswith("word/") and name.endswith(".xml"):
                self.parts[name] = _THEME_ATTR.sub(b"", data)
        if "word/styles.xml" not in self.parts:
            return   # a package without styles: Word falls back to its defaults
        styles = etree.fromstring(self.parts["word/styles.xml"])
        ours = etree.fromstring(_packaged_styles())
        have = {s.get(W + "styleId") for s in styles.iter(W + "style")}
        for s in ours.iter(W + "style"):
            if s.get(W + "styleId", "").startswith("Gb") and s.get(W + "styleId") not in have:
                styles.append(s)
        fonts = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
        if fonts is not None:
            for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
                fonts.set(W + slot, fonts.get(W + slot) or g.FANGSONG)
        self.parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8",
                                                       standalone=True)


@functools.lru_cache(maxsize=1)
def _packaged_styles() -> bytes:
    with zipfile.ZipFile(PACKAGED / "reply.docx") as zf:
        return zf.read("word/styles.xml")


@functools.lru_cache(maxsize=32)
def _load(path: str, mtime_ns: int, size: int) -> _Package:
    return _Package(Path(path))


# ------------------------------------------------------------------------------- Jinja fields


@functools.lru_cache(maxsize=256)
def _compile(source: str):
    return _ENV.from_string(source), frozenset(meta.find_undeclared_variables(_ENV.parse(source)))


def _render_text(source: str, context: dict, path: Path) -> str:
    try:
        template, names = _compile(source)
    except TemplateError as exc:
        raise DraftError("(模板)", f"模板 {path} 中的字段 {source.strip()} 有语法错误：{exc}", template=str(path)) from exc
    for name in sorted(names):
        if name not in context:
            known = "、".join(sorted(k for k in context if not k.startswith("_")))
            raise DraftError(name, f"模板 {path} 使用了未知字段 {name}（{{{{ {name} }}}}）；可用字段：{known}",
                             template=str(path))
    try:
        return template.render(context)
    except UndefinedError as exc:
        field = source.strip("{}% \t\n")
        raise DraftError(field, f"模板 {path} 中的字段 {source.strip()} 无法填写：{exc.message}",
                         template=str(path)) from exc
    except TemplateError as exc:   # includes the sandbox's SecurityError
        raise DraftError("(模板)", f"模板 {path} 中的字段 {source.strip()} 无法填写：{exc}", template=str(path)) from exc


def _regroup(texts: list[str]) -> list[str]:
    """Move each {{ … }} that Word split over several runs into the run where it starts."""
    joined = "".join(texts)
    owner = [i for i, t in enumerate(texts) for _ in t]
    for m in _FIELD.finditer(joined):
        first = owner[m.start()]
        owner[m.start():m.end()] = [first] * (m.end() - m.start())
    out = [[] for _ in texts]
    for ch, i in zip(joined, owner):
        out[i].append(ch)
    return ["".join(chars) for chars in out]


def render_fields(root, context: dict, path: Path, *, skip=None) -> None:
    """Render the Jinja fields in every paragraph of one part, each w:t exactly once."""
    groups: dict = {}
    for t in root.iter(W + "t"):
        owner = next(t.iterancestors(W + "p"), None)
        if owner is not skip:
            groups.setdefault(owner, []).append(t)
    for ts in groups.values():
        texts = [t.text or "" for t in ts]
        joined = "".join(texts)
        if "{{" not in joined and "{%" not in joined:
            continue
        for t, text in zip(ts, _regroup(texts)):
            if "{{" in text or "{%" in text:
                source, text = text, _render_text(text, context, path)
                try:
                    t.text = text
                except ValueError as exc:   # control characters in a value
                    raise DraftError(source.strip("{}% "), f"模板 {path} 中的字段 {source.strip()} 的值含有"
                                     f"不能写入文档的字符：{text!r}", template=str(path)) from exc
            else:
                t.text = text
            t.set(XML_SPACE, "preserve")


# ------------------------------------------------------------------------------------ render


def render(name: str, context: dict, body_xml: str, *, templates_dir=None) -> bytes:
    """Fill template ``name`` with ``context`` and put ``body_xml`` (w:p/w:tbl elements) at its {{ body }}."""
    path = find_template(name, templates_dir)
    try:
        st = path.stat()
    except OSError as exc:
        raise DraftError("(模板)", f"找不到模板 {path}", template=str(path)) from exc
    pkg = _load(str(path), st.st_mtime_ns, st.st_size)
    parts = dict(pkg.parts)
    for part in pkg.field_parts:
        root = etree.fromstring(parts[part])
        render_fields(root, context, path)
        parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    doc = etree.fromstring(parts["word/document.xml"])
    body = doc.find(W + "body")
    marker = next((p for p in body.iter(W + "p") if _MARKER.match("".join(p.itertext()))), None)
    render_fields(doc, context, path, skip=marker)
    new = etree.fromstring(f'<w:body xmlns:w="{g.W_NS}" xmlns:r="{g.R_NS}">{body_xml}</w:body>')
    if marker is not None:
        parent, index = marker.getparent(), marker.getparent().index(marker)
        parent.remove(marker)
    else:
        last = body[-1] if len(body) and body[-1].tag == W + "sectPr" else None
        parent, index = body, body.index(last) if last is not None else len(body)
    for offset, el in enumerate(list(new)):
        parent.insert(index + offset, el)
    parts["word/document.xml"] = etree.tostring(doc, xml_declaration=True, encoding="UTF-8", standalone=True)
    return zip_parts(parts)


# --------------------------------------------------------------------------------- estimate

_STYLE_PT = {"GbTitle": 22, "GbIssuer": 26, "GbMark": 26, "GbBanji": 14}
_STYLE_EXTRA_LINES = {"GbMark": 4}      # the 纪要 mark sits 35 mm down the page
_INDENTED = {"GbBody", "GbHeading1", "GbHeading2"}


def estimate_pages(docx: bytes) -> int:
    """Pages the body needs at 22 lines x 28 characters (a preview figure, not a layout)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        xml = zf.read("word/document.xml")
    doc = etree.fromstring(xml)
    lines, pages = (1.0 if b'w:type="first"' in xml else 0.0), 1    # a 信函 letterhead pushes page 1 down
    for el in doc.find(W + "body"):
        if el.tag == W + "tbl":
            for tr in el.iter(W + "tr"):
                h = tr.find(f"{W}trPr/{W}trHeight")
                lines += max(1, round(int(h.get(W + "val")) / g.LINE_PITCH)) if h is not None else 1
            while lines > g.LINES:   # a long table (an attached list of units) runs over pages too
                pages, lines = pages + 1, lines - g.LINES
            continue
        if el.tag != W + "p":
            continue
        if el.find(f"{W}pPr/{W}pageBreakBefore") is not None:
            pages, lines = pages + 1, 0.0
        style = el.find(f"{W}pPr/{W}pStyle")
        style = style.get(W + "val") if style is not None else ""
        size = _STYLE_PT.get(style, g.BODY_PT)
        per_line = g.CHARS if size == g.BODY_PT else max(1, int(g.TEXT_W / 20 // size))
        width = g.text_width("".join(el.itertext())) + (2 if style in _INDENTED else 0)
        lines += max(1, math.ceil(width / per_line)) + _STYLE_EXTRA_LINES.get(style, 0)
        while lines > g.LINES:
            pages, lines = pages + 1, lines - g.LINES
    return pages
