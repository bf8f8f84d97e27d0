"""年度总结 (五(三)): the year's figures per committee and unit, charts drawn as SVG, and the .docx report."""
from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, render_template, send_file
from markupsafe import Markup

from ...review import ratings_text, stats, year_review
from ..charts import bars
from ...review.report import review_report
from ..access import allow, jurisdiction
from ..drafts.views import DOCX
from ..export import Column, Sheet, send_xlsx
from ..labels import download_name, local_today
from ..listing import int_arg

bp = Blueprint("review", __name__, url_prefix="/review")


def _year() -> int:
    today = local_today()
    year = int_arg("year") or today.year
    if not 1949 <= year <= today.year:
        flash(f"{year} 年尚未到来，显示 {today.year} 年。", "info")
        year = today.year
    return year


def _review(year: int) -> dict:
    return year_review(current_app.extensions["oa_liaison"], jurisdiction(), year)


def _active(review: dict) -> list[dict]:
    """Units with any figure this year (the others are only counted)."""
    return [u for u in review["units"] if any(u[k] for k in stats.UNIT_FIGURES)]


@bp.route("")
@allow("admin", "auditor")
def index():
    """The review page: totals, two charts and both tables (units with no activity folded away)."""
    year = _year()
    review = _review(year)
    committees = review["committees"]
    active = _active(review)
    top_units = sorted(((u["name"], u["documents_copied"]) for u in active), key=lambda x: -x[1])[:15]
    charts = [(title, Markup(bars(title, rows, **kw))) for title, rows, kw in (
        (f"{year}年各专门委员会召开联系会次数", [(c["name"], c["meetings_held"]) for c in committees],
         {"target": review["minimum"]}),
        (f"{year}年各专门委员会收到抄送文件份数", [(c["name"], c["copies"]) for c in committees], {}),
        (f"{year}年抄送文件最多的单位（前 15 个）", top_units, {}))]
    return render_template("oa_liaison/review/index.html", review=review, year=year, charts=charts, active=active,
                           committee_figures=stats.COMMITTEE_FIGURES, unit_figures=stats.UNIT_FIGURES,
                           idle=len(review["units"]) - len(active), ratings_text=ratings_text,
                           on_time_definition=stats.ON_TIME_DEFINITION)


def _sheet(title: str, first: str, figures: dict, rows: list[dict]) -> Sheet:
    columns = [Column(first, 26)] + [Column(label, 10) for label in figures.values()] + [
        Column("按期答复率", 10, "0.0%"), Column("满意", 8), Column("基本满意", 10), Column("不满意", 8)]
    return Sheet(title, columns, [(r["name"], *(r[k] for k in figures), r["on_time_rate"]["rate"],
                                   *(r["ratings"].get(x, 0) for x in ("满意", "基本满意", "不满意"))) for r in rows])


@bp.route("/export.xlsx")
@allow("admin", "auditor")
def export():
    """The review's two tables as two sheets of one workbook."""
    year = _year()
    review = _review(year)
    return send_xlsx(f"{year}年度对口联系协商工作统计", [
        _sheet("各专门委员会", "专门委员会", stats.COMMITTEE_FIGURES, review["committees"]),
        _sheet("各部门（单位）", "单位", stats.UNIT_FIGURES, _active(review))])


@bp.route("/report.docx")
@allow("admin", "auditor")
def report():
    year = _year()
    blob = review_report(_review(year), date=local_today(), templates_dir=current_app.config["TEMPLATES_DIR"])
    return send_file(io.BytesIO(blob), mimetype=DOCX, as_attachment=True,
                     download_name=download_name(f"{year}年度对口联系协商工作情况"))
