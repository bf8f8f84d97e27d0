"""Bar charts drawn on the server as SVG (the panel runs no script): one bar per row, an optional target line."""
from __future__ import annotations

from xml.sax.saxutils import escape

WIDTH, LABEL, ROW, BAR = 720, 230, 24, 16
COLOURS = {"bar": "#0b57a4", "short": "#b42318", "target": "#a51d22", "text": "#1f2328", "muted": "#59636e"}


def bars(title: str, rows: list[tuple[str, int]], *, target: int | None = None) -> str:
    """An accessible SVG: ``rows`` are (label, value); with ``target`` bars below it are red and a line marks it."""
    top = max([v for _, v in rows] + [target or 0, 1])
    span = WIDTH - LABEL - 60
    height = ROW * len(rows) + 28
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
           f'class="chart" aria-labelledby="t"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = 8 + i * ROW
        w = round(span * value / top)
        colour = COLOURS["short"] if target is not None and value < target else COLOURS["bar"]
        out.append(f'<text x="{LABEL - 8}" y="{y + BAR - 3}" text-anchor="end" font-size="13" fill="{COLOURS["text"]}">'
                   f'{escape(label)}</text>'
                   f'<rect x="{LABEL}" y="{y}" width="{max(w, 1)}" height="{BAR}" fill="{colour}"><title>'
                   f'{escape(label)}：{value}</title></rect>'
                   f'<text x="{LABEL + w + 6}" y="{y + BAR - 3}" font-size="13" fill="{COLOURS["muted"]}">{value}</text>')
    if target is not None:
        x = LABEL + round(span * target / top)
        out.append(f'<line x1="{x}" y1="2" x2="{x}" y2="{height - 18}" stroke="{COLOURS["target"]}" stroke-width="2" '
                   f'stroke-dasharray="4 3"/><text x="{x}" y="{height - 4}" text-anchor="middle" font-size="12" '
                   f'fill="{COLOURS["target"]}">最低 {target} 次</text>')
    out.append("</svg>")
    return "".join(out)
