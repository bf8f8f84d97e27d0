"""Word 97 (.doc) files written by hand for the reader's tests: a compound file, a FIB, a piece table, headers
(PlcfHdd), character runs (hidden, deleted) and property sets; each part can be spoiled on purpose."""
from __future__ import annotations

import struct
import uuid

SECTOR = 512
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SUMMARY = uuid.UUID("F29F85E0-4FF9-1068-AB91-08002B27B3D9").bytes_le
DOC_SUMMARY = uuid.UUID("D5CDD502-2E9C-101B-9397-08002B2CF9AE").bytes_le
USER_DEFINED = uuid.UUID("D5CDD505-2E9C-101B-9397-08002B2CF9AE").bytes_le
TEXT_AT = 1024   # where the text starts in the WordDocument stream


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (v3, 512-byte sectors) holding ``streams`` under its root. Every stream is padded
    to 4096 bytes or more, so that none lives in the mini stream (the readers read the sizes inside them)."""
    names = list(streams)
    datas = [s + b"\x00" * max(0, 4096 - len(s)) for s in streams.values()]
    datas = [d + b"\x00" * (-len(d) % SECTOR) for d in datas]
    n_dir = -(-(len(names) + 1) // 4)
    data_sectors = sum(len(d) // SECTOR for d in datas)
    n_fat = 1
    while (data_sectors + n_dir + n_fat) > n_fat * 128:
        n_fat += 1
    fat, starts, at = [], [], 0
    for d in datas:
        count = len(d) // SECTOR
        starts.append(at)
        fat += [at + k + 1 for k in range(count - 1)] + [END]
        at += count
    dir_start = at
    fat += [dir_start + k + 1 for k in range(n_dir - 1)] + [END]
    fat_start = dir_start + n_dir
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * 128 - len(fat))
    entries = [_entry("Root Entry", 5, child=1 if names else NOSTREAM, start=END, size=0)]
    for k, (name, d) in enumerate(zip(names, datas)):
        entries.append(_entry(name, 2, right=k + 2 if k + 1 < len(names) else NOSTREAM, start=starts[k],
                              size=len(streams[name]) if len(streams[name]) >= 4096 else 4096))
    entries += [_entry("", 0, start=0, size=0)] * (n_dir * 4 - len(entries))
    difat = [fat_start + k for k in range(n_fat)] + [FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, n_fat, dir_start, 0, 4096, END, 0,
                            END, 0)
              + struct.pack("<109I", *difat))
    return header + b"".join(datas) + b"".join(entries) + struct.pack(f"<{len(fat)}I", *fat)


def _entry(name: str, kind: int, *, right=NOSTREAM, child=NOSTREAM, start=END, size=0) -> bytes:
    raw = name.encode("utf-16-le")
    length = len(raw) + 2 if name else 0
    return (raw.ljust(64, b"\x00") + struct.pack("<HBB", length, kind, 1)
            + struct.pack("<III", NOSTREAM, right, child)
            + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16 + struct.pack("<IQ", start, size))


def lines(*paragraphs: str) -> str:
    return "".join(p + "\r" for p in paragraphs)


def word_streams(body: str, *, footnotes: str = "", headers: list[str] | None = None, comments: str = "",
                 endnotes: str = "", textboxes: str = "", header_textboxes: str = "",
                 hidden: list[tuple[int, int]] = (), deleted: list[tuple[int, int]] = (),
                 compressed: list[tuple[int, int]] = (), encrypted: bool = False, nfib: int = 0xC1,
                 table_name: str = "1Table", plcf_hdd: list[int] | None = None) -> dict[str, bytes]:
    """The WordDocument and table streams of a document whose stories hold the given text.

    ``headers``: the header stories in PlcfHdd order (six note separators, then per section even header, odd
    header, even footer, odd footer, first header, first footer), each ending with "\\r". ``hidden`` and
    ``deleted``: CP ranges of the body with sprmCFVanish/sprmCFRMarkDel runs. ``compressed``: CP ranges stored
    as 8-bit pieces (cp1252; they must hold only such characters).
    """
    hdd = "".join(headers or [])
    stories = [body, footnotes, hdd, "", comments, endnotes, textboxes, header_textboxes]
    text = "".join(stories) + ("\r" if any(stories[1:]) else "")
    # the pieces: 8-bit where asked, 16-bit elsewhere, in CP order, stored one after another
    cuts = sorted({0, len(text), *(c for r in compressed for c in r)})
    pieces, stored, at = [], [], TEXT_AT
    for a, b in zip(cuts, cuts[1:]):
        chunk = text[a:b]
        if any(a >= lo and b <= hi for lo, hi in compressed):
            raw = chunk.encode("cp1252")
            pieces.append((a, b, (at * 2) | 0x40000000))
        else:
            raw = chunk.encode("utf-16-le")
            pieces.append((a, b, at))
        stored.append(raw)
        at += len(raw)
    word = bytearray(TEXT_AT) + b"".join(stored)
    fc_of = {}   # body CP → byte offset of that character (for the character runs)
    for a, b, fc in pieces:
        for cp in range(a, b):
            fc_of[cp] = (fc & 0x3FFFFFFF) // 2 + (cp - a) if fc & 0x40000000 else fc + 2 * (cp - a)
    table = bytearray()
    clx = struct.pack("<B I", 2, 4 * (len(pieces) + 1) + 8 * len(pieces))
    clx += struct.pack(f"<{len(pieces) + 1}I", *[p[0] for p in pieces], pieces[-1][1])
    clx += b"".join(struct.pack("<HIH", 0, fc, 0) for _, _, fc in pieces)
    clx_at = len(table)
    table += clx
    hdd_at = hdd_len = 0
    if headers or plcf_hdd:
        cps = plcf_hdd if plcf_hdd is not None else _running([len(h) for h in headers]) + [len(hdd) + 1]
        hdd_at, hdd_len = len(table), 4 * len(cps)
        table += struct.pack(f"<{len(cps)}I", *cps)
    chpx_at = chpx_len = 0
    runs = [(a, b, 0x083C) for a, b in hidden] + [(a, b, 0x0800) for a, b in deleted]
    if runs:
        word += b"\x00" * (-len(word) % SECTOR)
        pn = len(word) // SECTOR
        word += _chpx_page([(fc_of[a], fc_of[b - 1] + 2, sprm) for a, b, sprm in sorted(runs)])
        chpx_at, chpx_len = len(table), 12
        table += struct.pack("<III", 0, 0x7FFFFFFF, pn)
    ccps = [len(s) for s in stories]
    flags = (0x0200 if table_name == "1Table" else 0) | (0x0100 if encrypted else 0)
    fib = bytearray(struct.pack("<HHHHHH", 0xA5EC, nfib, 0, 0x0804, 0, flags))
    fib += b"\x00" * (32 - len(fib))
    fib += struct.pack("<H", 14) + b"\x00" * 28
    lw = [0] * 22
    lw[3:11] = ccps
    fib += struct.pack("<H22i", 22, *lw)
    pairs = [0] * (93 * 2)
    pairs[2 * 11:2 * 11 + 2] = [hdd_at, hdd_len]
    pairs[2 * 12:2 * 12 + 2] = [chpx_at, chpx_len]
    pairs[2 * 33:2 * 33 + 2] = [clx_at, len(clx)]
    fib += struct.pack(f"<H{93 * 2}I", 93, *pairs) + struct.pack("<H", 0)
    word[:len(fib)] = fib
    return {"WordDocument": bytes(word), table_name: bytes(table)}


def _running(sizes: list[int]) -> list[int]:
    out, at = [], 0
    for s in sizes:
        out.append(at)
        at += s
    return out


def _chpx_page(runs: list[tuple[int, int, int]]) -> bytes:
    """One ChpxFkp page: a run per flagged byte range (sprm on, operand 1), plain runs between them."""
    bounds, kinds = [runs[0][0]], []
    for f0, f1, sprm in runs:
        if bounds[-1] < f0:
            bounds.append(f0)
            kinds.append(None)
        bounds.append(f1)
        kinds.append(sprm)
    page = bytearray(SECTOR)
    crun = len(kinds)
    struct.pack_into(f"<{crun + 1}I", page, 0, *bounds)
    at = 500
    offsets = {}
    for sprm in sorted({k for k in kinds if k is not None}):
        at -= 4
        page[at:at + 4] = bytes([3]) + struct.pack("<H", sprm) + b"\x01"
        offsets[sprm] = at // 2
    for i, kind in enumerate(kinds):
        page[4 * (crun + 1) + i] = offsets.get(kind, 0)
    page[SECTOR - 1] = crun
    return bytes(page)


def property_stream(sections: list[tuple[bytes, dict[int, str], dict[int, str] | None]],
                    codepage: int = 1200) -> bytes:
    """A property set stream: per section its FMTID, {pid: text} and (user-defined) {pid: name}. Strings are
    VT_LPSTR in ``codepage`` (UTF-16 for 1200, as Word writes them), the dictionary in the same."""
    codec = "utf-16-le" if codepage == 1200 else f"cp{codepage}"
    bodies = []
    for _, values, names in sections:
        props = [(1, struct.pack("<HHhH", 2, 0, codepage if codepage < 32768 else codepage - 65536, 0))]
        if names:
            d = struct.pack("<I", len(names))
            for pid, name in names.items():
                raw = (name + "\x00").encode(codec)
                d += struct.pack("<II", pid, len(raw) // (2 if codepage == 1200 else 1)) + raw
                if codepage == 1200:
                    d += b"\x00" * (-len(d) % 4)
            props.append((0, d + b"\x00" * (-len(d) % 4)))
        for pid, value in values.items():
            raw = (value + "\x00").encode(codec)
            raw += b"\x00" * (-len(raw) % 4)
            props.append((pid, struct.pack("<HHI", 0x1E, 0, len(raw)) + raw))
        head = 8 + 8 * len(props)
        offsets, blob = [], b""
        for pid, data in props:
            offsets.append((pid, head + len(blob)))
            blob += data
        bodies.append(struct.pack("<II", head + len(blob), len(props))
                      + b"".join(struct.pack("<II", p, o) for p, o in offsets) + blob)
    out = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + b"\x00" * 16 + struct.pack("<I", len(sections))
    at = len(out) + 20 * len(sections)
    for (fmtid, _, _), body in zip(sections, bodies):
        out += fmtid + struct.pack("<I", at)
        at += len(body)
    return out + b"".join(bodies)


def make_doc(body: str, *, summary: dict[int, str] | None = None, custom: dict[str, str] | None = None,
             codepage: int = 1200, extra: dict[str, bytes] | None = None, **kw) -> bytes:
    """A whole .doc: ``word_streams`` in a compound file, with summary properties ({2: title, 5: keywords})
    and custom properties ({name: value}) if given."""
    streams = word_streams(body, **kw)
    if summary:
        streams["\x05SummaryInformation"] = property_stream([(SUMMARY, summary, None)], codepage)
    if custom:
        names = {k: name for k, name in enumerate(custom, 2)}
        values = {k: value for k, value in enumerate(custom.values(), 2)}
        streams["\x05DocumentSummaryInformation"] = property_stream(
            [(DOC_SUMMARY, {}, None), (USER_DEFINED, values, names)], codepage)
    streams.update(extra or {})
    return compound_file(streams)
