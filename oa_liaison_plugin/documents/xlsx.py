"""Reader of Excel workbooks (.xlsx, and WPS 表格 saved as .xlsx): an attached 名单 or 统计表 checked for 密级 marks.

Each row of each sheet is a line (cells apart by a tab), in sheet order; the sheets' page headers and footers
are side parts; the workbook's properties are scanned like a .docx's. Hardened like the .docx reader.
"""
from __future__ import annotations

import re

from .read import (MAX_UNCOMPRESSED, DocumentFacts, DocumentReadError, _Properties, _parse_xml,
                   _read_member, facts_from_parts, open_zip)

__all__ = ["read_xlsx"]

_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_S_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
MAX_CELLS = 2_000_000
# Header/footer codes: &L &C &R (sections), &"font,style", &12 (size), &P &N &D &T &F &A (fields), && (an &).
_HF_CODE = re.compile(r'&(?:"[^"]*"|\d+|[LCR])|&[A-Za-z]')


def _sheet_names(names: dict) -> list[str]:
    sheets = [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    return sorted(sheets, key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))


def read_xlsx(raw: bytes, *, max_bytes: int, max_uncompressed: int = MAX_UNCOMPRESSED) -> DocumentFacts:
    """An .xlsx's text and marks; DocumentReadError for anything that is not a readable workbook."""
    try:
        with open_zip(raw, max_uncompressed=max_uncompressed) as (zf, names):
            if "xl/workbook.xml" not in names:
                raise DocumentReadError("not_xlsx", "压缩包中没有 Excel 工作簿（xl/workbook.xml），无法读取")
            shared = []
            if "xl/sharedStrings.xml" in names:
                root = _parse_xml(_read_member(zf, names["xl/sharedStrings.xml"], max_uncompressed, 200))
                ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else _S
                t = f"{{{ns}}}t"
                shared = ["".join(x.text or "" for x in si.iter(t)) for si in root]
            lines: list[str] = []
            side: list[tuple[str, list[str]]] = []
            cells = 0
            for name in _sheet_names(names):
                root = _parse_xml(_read_member(zf, names[name], max_uncompressed, 200))
                ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else _S
                if ns not in (_S, _S_STRICT):
                    continue
                row_tag, cell_tag, v_tag, t_tag = (f"{{{ns}}}{tag}" for tag in ("row", "c", "v", "t"))
                for row in root.iter(row_tag):
                    texts = []
                    for c in row.iter(cell_tag):
                        cells += 1
                        if cells > MAX_CELLS:
                            raise DocumentReadError("too_large", "工作簿单元格过多，已拒绝读取")
                        kind = c.get("t")
                        if kind == "inlineStr":
                            texts.append("".join([x.text or "" for x in c.iter(t_tag)]))
                            continue
                        # The value is a direct child <v>: looked for by hand, as c.find (lxml's ElementPath)
                        # costs more than the rest of the cell.
                        v = None
                        for x in c:
                            if x.tag == v_tag:
                                v = x.text
                                break
                        if kind == "s" and (v or "").strip().isdigit():
                            i = int(v)
                            texts.append(shared[i] if i < len(shared) else "")
                        elif v:
                            texts.append(v)
                    if any(x.strip() for x in texts):
                        lines.append("\t".join(texts))
                for hf in root.iter(f"{{{ns}}}headerFooter"):
                    for el in hf:
                        where = "header" if "Header" in el.tag else "footer"
                        side.append((where, ["\t".join(p.replace("&&", "&") for p in _HF_CODE.split(el.text or ""))]))
            props = _Properties(zf, names, 200)
            return facts_from_parts(lines, side=side, marks=props.marks, title=props.title, format="xlsx")
    except DocumentReadError:
        raise
    except Exception as exc:   # callers only ever see DocumentReadError
        raise DocumentReadError("unreadable", "Excel 工作簿无法读取（文件可能已损坏）") from exc
