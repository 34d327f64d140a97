"""The results table and a unit's score sheet as .xlsx (core.spreadsheets) and PDF (reportlab)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from bangfu.assessment.models import AssessmentResult, Indicator, IndicatorScore, ResultSet
from bangfu.core.spreadsheets import SheetSpec


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def results_sheet(
    result_set: ResultSet, results: Iterable[AssessmentResult], title: str
) -> SheetSpec:
    """One row per unit (or branch): rank, name, each indicator's points, score and grade."""
    indicators = list(result_set.scheme.indicators.all())
    headers = [_("名次"), _("单位"), _("党支部")]
    headers += [f"{i.name}({i.weight:g})" for i in indicators]
    headers += [_("总分"), _("等次")]

    def rows() -> Iterator[list[Any]]:
        for result in results:
            points = {s.indicator_id: s.points for s in result.scores.all()}
            yield [
                result.rank,
                result.unit.name,
                result.branch.name if result.branch_id else "",
                *[_number(points.get(i.pk)) for i in indicators],
                _number(result.score),
                result.get_grade_display(),
            ]

    return SheetSpec(
        title,
        headers,
        rows(),
        widths=(6, 28, 16),
        title=[
            str(result_set),
            _("考核期:{start} 至 {end}").format(
                start=result_set.period_start, end=result_set.period_end
            ),
        ],
    )


def score_lines(result: AssessmentResult) -> list[IndicatorScore]:
    return list(result.scores.select_related("indicator").order_by("indicator__order", "pk"))


def _value_text(score: IndicatorScore) -> str:
    indicator: Indicator = score.indicator
    if score.value is None:
        return "—" if score.points is None or indicator.kind == "measure" else _("人工评分")
    from bangfu.assessment.measures import MEASURES

    measure = MEASURES.get(indicator.measure)
    unit = f" {measure.unit}" if measure else ""
    return f"{score.value.normalize():f}{unit}"


def score_sheet_rows(result: AssessmentResult) -> tuple[list[str], list[list[Any]], list[Any]]:
    headers = [_("指标"), _("权重"), _("指标值"), _("得分"), _("评分说明")]
    lines = score_lines(result)
    rows = [
        [
            s.indicator.name,
            _number(s.indicator.weight),
            _value_text(s),
            _number(s.points) if s.points is not None else _("不适用"),
            s.comment,
        ]
        for s in lines
    ]
    weight = sum((s.indicator.weight for s in lines), Decimal(0))
    totals = [_("总分(按适用指标折算)"), _number(weight), "", _number(result.score), ""]
    return headers, rows, totals


def score_sheet_title(result: AssessmentResult) -> list[str]:
    return [
        _("{name} 考核得分表").format(name=result.subject_name),
        _("{scheme};得分 {score},{grade},第{rank}名").format(
            scheme=result.result_set,
            score=result.score,
            grade=result.get_grade_display(),
            rank=result.rank,
        ),
    ]


def score_sheet_xlsx(result: AssessmentResult) -> list[SheetSpec]:
    headers, rows, totals = score_sheet_rows(result)
    return [
        SheetSpec(
            _("得分表"),
            headers,
            rows,
            widths=(24, 8, 16, 8, 40),
            title=score_sheet_title(result),
            totals=totals,
        )
    ]


def write_score_sheet_pdf(result: AssessmentResult, target: Any) -> None:
    """A4 portrait score sheet with the Chinese font embedded (raises FontMissingError)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from bangfu.core.pdf import pdf_font

    font, _path = pdf_font()
    title_lines = score_sheet_title(result)
    doc = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=18 * mm,
        bottomMargin=15 * mm,
        title=title_lines[0],
        author="Bangfu",
        initialFontName=font,
    )
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER)
    sub = ParagraphStyle("sub", fontName=font, fontSize=9, leading=13, alignment=TA_CENTER)

    def p(value: Any, style: ParagraphStyle = cell) -> Paragraph:
        text = "" if value is None else str(value)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(text, style)

    headers, rows, totals = score_sheet_rows(result)
    data = [[p(h) for h in headers], *[[p(v) for v in r] for r in rows], [p(v) for v in totals]]
    widths = [w * doc.width / 100 for w in (26, 9, 17, 9, 39)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F6F6F6")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    doc.build([p(title_lines[0], title), p(title_lines[1], sub), Spacer(1, 5 * mm), table])
