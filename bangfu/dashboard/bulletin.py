"""The bulletin (工作简报): the slice's figures stated in prose, in the style of the seed
report's closing paragraph ("据统计,…已有1263个机关党支部结对帮扶1120个村,…资金达1.93亿元。"),
and written as .docx and PDF.

The text comes from the same figures as the dashboard (figures.compute_figures) and the same
number formats (templatetags/figures.py); a clause whose figure is zero is left out, as a
writer would. Chinese by default; English when the active language is English.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.utils import dateformat
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext as _

from bangfu.core.scope import CODE_PREFIX_LENGTH
from bangfu.dashboard.charts import units as unit_ranking
from bangfu.dashboard.figures import FIGURES, FigureSlice, compute_figures
from bangfu.dashboard.templatetags.figures import figure, figure_number
from bangfu.geo.models import Region
from bangfu.orgs.models import Unit


@dataclass
class Bulletin:
    title: str
    subtitle: str
    paragraphs: list[str]
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, formatted value)
    footer: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def long_date(value: datetime.date) -> str:
    """2016年12月31日 (31 December 2016 in English)."""
    return dateformat.format(value, _("Y年n月j日"))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _sentence(clauses: list[str]) -> str:
    """Clauses joined as one sentence: ,-separated ending in 。 (", " and "." in English)."""
    if _english():
        text = ", ".join(clauses)
        return text[:1].upper() + text[1:] + "."
    return ",".join(clauses) + "。"


def _count(value: int | Decimal) -> str:
    return figure_number(value)


# Counted phrases: Chinese has one form, English two ("1 village", "2 villages"); the form
# follows "count", the text shows "n" (the number as figures are written: 2,152).
COUNTED = {
    "units": ngettext_lazy("参与单位%(n)s个", "参与单位%(n)s个", "count"),
    "branches_paired": ngettext_lazy("%(n)s个机关党支部", "%(n)s个机关党支部", "count"),
    "villages_paired": ngettext_lazy("%(n)s个村", "%(n)s个村", "count"),
    "secretaries": ngettext_lazy("%(n)s名机关党支部书记", "%(n)s名机关党支部书记", "count"),
    "households_helped": ngettext_lazy("%(n)s户贫困户", "%(n)s户贫困户", "count"),
    "cadres_stayed": ngettext_lazy(
        "%(n)s名领导干部进村蹲点调研", "%(n)s名领导干部进村蹲点调研", "count"
    ),
    "expert_visits": ngettext_lazy(
        "%(n)s人次专业技术人员进村帮难解困", "%(n)s人次专业技术人员进村帮难解困", "count"
    ),
    "member_visits": ngettext_lazy(
        "%(n)s人次党员干部进村服务发展", "%(n)s人次党员干部进村服务发展", "count"
    ),
    "problems_solved": ngettext_lazy("帮助解决问题%(n)s个", "帮助解决问题%(n)s个", "count"),
    "policy_supports": ngettext_lazy(
        "提供政策和信息支持%(n)s条", "提供政策和信息支持%(n)s条", "count"
    ),
    "tech_service_persons": ngettext_lazy(
        "提供技术服务%(n)s人次", "提供技术服务%(n)s人次", "count"
    ),
    "dev_ideas": ngettext_lazy("帮助完善发展思路%(n)s条", "帮助完善发展思路%(n)s条", "count"),
    "projects": ngettext_lazy(
        "帮助谋划、引进和生成项目%(n)s个", "帮助谋划、引进和生成项目%(n)s个", "count"
    ),
    "pairing_units": ngettext_lazy("%(n)s个单位", "%(n)s个单位", "count"),
    "overdue": ngettext_lazy(
        "%(n)s个问题已超过完成时限仍未解决,请抓紧推进",
        "%(n)s个问题已超过完成时限仍未解决,请抓紧推进",
        "count",
    ),
}


def counted(key: str, value: int | Decimal) -> str:
    """The counted phrase `key` for `value`, in the active language."""
    return str(COUNTED[key] % {"n": _count(value), "count": int(value)})


def quoted(name: str) -> str:
    """A campaign's name in quotation marks, unless it already quotes itself (…“五千行动”)."""
    if any(mark in name for mark in '“”"「」'):
        return name
    return _("“{name}”").format(name=name)


def period_phrase(slice_: FigureSlice) -> str:
    if slice_.date_from and slice_.date_to:
        return _("{start}至{end}").format(
            start=long_date(slice_.date_from), end=long_date(slice_.date_to)
        )
    if slice_.date_to:
        return _("截至{end}").format(end=long_date(slice_.date_to))
    if slice_.date_from:
        return _("{start}以来").format(start=long_date(slice_.date_from))
    return _("{campaign}开展以来").format(campaign=quoted(slice_.campaign.name))


def region_name(prefix: str) -> str:
    """毕节市, 毕节市织金县…: the region a code prefix names (its code if unknown)."""
    region = Region.objects.filter(code=prefix.ljust(12, "0")).select_related("parent").first()
    if region is None:
        return prefix
    if len(prefix) <= CODE_PREFIX_LENGTH["province"]:
        return region.name
    return region.full_name()


def subject_unit(slice_: FigureSlice) -> Unit | None:
    """The unit the bulletin speaks of: the slice's, or the user's when a unit is all they see."""
    unit_id = slice_.unit_id
    scope = getattr(slice_.user, "scope", None)
    if unit_id is None and scope is not None and scope.unit_id and not scope.branch_id:
        unit_id = scope.unit_id
    return Unit.objects.filter(pk=unit_id).first() if unit_id else None


def subject_region(slice_: FigureSlice) -> str | None:
    """The region prefix the bulletin speaks of: the slice's, or the user's region scope
    below the province (a prefecture's leader reads about their prefecture)."""
    if slice_.region_prefix:
        return slice_.region_prefix
    scope = getattr(slice_.user, "scope", None)
    prefix = getattr(scope, "region_prefix", None)
    return prefix if prefix and len(prefix) > CODE_PREFIX_LENGTH["province"] else None


def scope_phrase(slice_: FigureSlice, unit: Unit | None = None) -> str:
    """Who and where the bulletin covers, for its subtitle."""
    parts = []
    if unit is not None:
        parts.append(unit.name)
    region = subject_region(slice_)
    if region:
        parts.append(region_name(region))
    return (", " if _english() else ",").join(parts) if parts else _("全部单位和地区")


def headline(
    slice_: FigureSlice, values: dict[str, int | Decimal], unit: Unit | None = None
) -> str:
    """The figures paragraph, like the seed's: every non-zero figure in one sentence."""
    branches = counted("branches_paired", values["branches_paired"])
    villages = counted("villages_paired", values["villages_paired"])
    lead = _("据统计,{period}").format(period=period_phrase(slice_))
    region = subject_region(slice_)
    if region:
        lead += _(",在{region}").format(region=region_name(region))
    if unit is not None:
        pairing = _("{unit}已有{branches}结对帮扶{villages}").format(
            unit=unit.name, branches=branches, villages=villages
        )
        clauses = [lead, pairing]
    else:
        clauses = [
            lead,
            counted("units", values["units"]),
            _("已有{branches}结对帮扶{villages}").format(branches=branches, villages=villages),
        ]
    optional = [
        (
            "households_helped",
            _("{secretaries}牵头帮扶{households}").format(
                secretaries=counted("secretaries", values["secretaries"]),
                households=counted("households_helped", values["households_helped"]),
            ),
        ),
        *(
            (key, counted(key, values[key]))
            for key in (
                "cadres_stayed",
                "expert_visits",
                "member_visits",
                "problems_solved",
                "policy_supports",
                "tech_service_persons",
                "dev_ideas",
                "projects",
            )
        ),
        ("funds_yuan", _("引进资金{amount}").format(amount=figure(values["funds_yuan"], "元"))),
    ]
    clauses += [text for key, text in optional if values[key]]
    return _sentence(clauses)


def outlook(slice_: FigureSlice) -> str:
    """Targets met and problems overdue: what the figures ask of the reader next."""
    clauses = []
    ranking = unit_ranking(slice_)
    if ranking.rows:
        met = sum(1 for row in ranking.rows if row[2] and row[3] >= row[2])
        left = len(ranking.rows) - met
        if len(ranking.rows) == 1:
            text = (
                _("按基本任务分配方案,结对任务已全部完成")
                if met
                else _("按基本任务分配方案,结对任务尚未全部完成")
            )
        elif not left:
            text = _("按基本任务分配方案,{n}个单位均已完成全部结对任务").format(n=_count(met))
        elif not met:
            text = _("按基本任务分配方案,{n}个单位尚未完成全部结对任务").format(n=_count(left))
        else:
            text = _("按基本任务分配方案,{met}已完成全部结对任务,{left}尚未完成").format(
                met=counted("pairing_units", met), left=counted("pairing_units", left)
            )
        clauses.append(text)
    overdue = slice_.overdue_problems().count()
    if overdue:
        clauses.append(counted("overdue", overdue))
    return _sentence(clauses) if clauses else ""


def build_bulletin(slice_: FigureSlice, today: datetime.date | None = None) -> Bulletin:
    """The bulletin for a slice (already scoped to its user)."""
    today = today or datetime.date.today()
    values = compute_figures(slice_)
    unit = subject_unit(slice_)
    paragraphs = [headline(slice_, values, unit)]
    extra = outlook(slice_)
    if extra:
        paragraphs.append(extra)
    counted = (
        _("台账统计已提交和审核通过的记录。")
        if slice_.campaign.count_submitted
        else _("台账只统计审核通过的记录。")
    )
    return Bulletin(
        title=_("{campaign}工作简报").format(campaign=quoted(slice_.campaign.name)),
        subtitle=_("范围:{scope}    期间:{start}至{end}").format(
            scope=scope_phrase(slice_, unit),
            start=long_date(slice_.date_from or slice_.campaign.start),
            end=long_date(slice_.date_to or min(today, slice_.campaign.end)),
        ),
        paragraphs=paragraphs,
        figures=[(str(f.label), figure(values[f.key], f.unit)) for f in FIGURES],
        footer=_("本简报由帮扶系统于{date}根据台账和结对记录自动生成。").format(
            date=long_date(today)
        )
        + counted,
    )


def filename(bulletin: Bulletin) -> str:
    return bulletin.title.strip('“”"')


# --- .docx ---------------------------------------------------------------------------------

# The customary look of an official document (GB/T 9704): A4, its margins, black text; body in
# 仿宋, title in 宋体 bold (小标宋 where installed), headings in 黑体. Fonts present in every
# Chinese Word installation.
DOCX_FONTS = {"Normal": ("仿宋", 16), "Title": ("宋体", 22), "Heading 2": ("黑体", 16)}
DOCX_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _plain_style(style: Any, font: str, size: int) -> None:
    """Word's stock style without its theme colours, borders and Latin-only font."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    element = style.element
    for tag in ("w:pBdr", "w:color"):
        for node in element.findall(".//" + qn(tag)):
            node.getparent().remove(node)
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)


def write_docx(bulletin: Bulletin, target: IO[bytes]) -> None:
    """The bulletin as an A4 Word document: title, scope line, paragraphs, figures table."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    for name, (font, size) in DOCX_FONTS.items():
        _plain_style(doc.styles[name], font, size)
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        for side, mm in DOCX_MARGINS_MM.items():
            setattr(section, f"{side}_margin", Mm(mm))
    title = doc.add_paragraph(bulletin.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = doc.add_paragraph(bulletin.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in bulletin.paragraphs:
        paragraph = doc.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Pt(24)
        paragraph.paragraph_format.line_spacing = 1.5
    doc.add_paragraph(_("主要数字"), style="Heading 2")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in bulletin.figures:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = doc.add_paragraph(bulletin.footer)
    footer.runs[0].font.size = Pt(9)
    doc.save(target)


# --- PDF -----------------------------------------------------------------------------------


def write_pdf(bulletin: Bulletin, target: IO[bytes]) -> None:
    """The bulletin as an A4 PDF with an embedded Chinese font (raises FontMissingError)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from bangfu.core.pdf import pdf_font

    font, _path = pdf_font()
    wrap: dict[str, Any] = {} if _english() else {"wordWrap": "CJK"}
    body = ParagraphStyle(
        "body", fontName=font, fontSize=12, leading=21, firstLineIndent=24, **wrap
    )
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=font, fontSize=10, leading=14, alignment=1, **wrap
        ),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=13, leading=20),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10, leading=14, **wrap),
        "number": ParagraphStyle("number", fontName=font, fontSize=10, leading=14, alignment=2),
        "footer": ParagraphStyle("footer", fontName=font, fontSize=8, leading=12, **wrap),
    }
    story: list[Any] = [
        Paragraph(_escape(bulletin.title), styles["title"]),
        Spacer(1, 2 * mm),
        Paragraph(_escape(bulletin.subtitle), styles["subtitle"]),
        Spacer(1, 6 * mm),
    ]
    for text in bulletin.paragraphs:
        story += [Paragraph(_escape(text), body), Spacer(1, 3 * mm)]
    story += [Spacer(1, 3 * mm), Paragraph(_escape(_("主要数字")), styles["heading"])]
    rows = [
        [Paragraph(_escape(label), styles["cell"]), Paragraph(_escape(value), styles["number"])]
        for label, value in bulletin.figures
    ]
    table = Table(rows, colWidths=[110 * mm, 50 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm), Paragraph(_escape(bulletin.footer), styles["footer"])]
    doc = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=bulletin.title,
    )
    doc.build(story)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
