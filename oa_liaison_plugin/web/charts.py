"""Bar charts drawn on the server as SVG (the panel runs no script): one bar per row, a target or a full scale."""
from __future__ import annotations

from xml.sax.saxutils import escape

WIDTH, LABEL, ROW, BAR = 720, 230, 24, 16
COLOURS = {"bar": "#0b57a4", "short": "#b42318", "target": "#a51d22", "text": "#1f2328", "muted": "#59636e",
           "rest": "#f6d5d8"}


def bars(title: str, rows: list[tuple], *, target: int | None = None, scale: float | None = None) -> str:
    """An accessible SVG of ``rows`` (label, value[, text shown beside the bar]).

    With ``target`` the bars below it are red and a dashed line marks it (联系会: at least 2 a year); with
    ``scale`` every bar stands on a pale one of the full scale, for shares (按期答复率 out of 100 %).
    """
    top = scale or max([row[1] for row in rows] + [target or 0, 1])
    span = WIDTH - LABEL - 130
    height = ROW * len(rows) + 28
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
           f'class="chart" aria-labelledby="t"><title>{escape(title)}</title>']
    for i, (label, value, *text) in enumerate(rows):
        y, w = 8 + i * ROW, round(span * value / top)
        shown = escape(str(text[0] if text else value))
        colour = COLOURS["short"] if target is not None and value < target else COLOURS["bar"]
        rest = (f'<rect class="rest" x="{LABEL}" y="{y}" width="{span}" height="{BAR}" fill="{COLOURS["rest"]}"/>'
                if scale else "")
        out.append(f'<text x="{LABEL - 8}" y="{y + BAR - 3}" text-anchor="end" font-size="13" fill="{COLOURS["text"]}">'
                   f'{escape(label)}</text>{rest}'
                   f'<rect class="bar" x="{LABEL}" y="{y}" width="{max(w, 1)}" height="{BAR}" fill="{colour}"><title>'
                   f'{escape(label)}：{shown}</title></rect>'
                   f'<text x="{LABEL + (span if scale else w) + 6}" y="{y + BAR - 3}" font-size="13" '
                   f'fill="{COLOURS["muted"]}">{shown}</text>')
    if target is not None:
        x = LABEL + round(span * target / top)
        out.append(f'<line x1="{x}" y1="2" x2="{x}" y2="{height - 18}" stroke="{COLOURS["target"]}" stroke-width="2" '
                   f'stroke-dasharray="4 3"/><text x="{x}" y="{height - 4}" text-anchor="middle" font-size="12" '
                   f'fill="{COLOURS["target"]}">最低 {target} 次</text>')
    out.append("</svg>")
    return "".join(out)
