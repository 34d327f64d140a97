"""The standard registration ledger (《工作情况登记台账》), generated from records.

A book is one unit's ledger for a month, or one village's (every unit working there) for a
period: the counted activities, the problems raised or solved and the projects registered in
the period, each with a totals row. The same sections are written as .xlsx (one sheet each)
and as a print-ready A4 PDF with an embedded Chinese font.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from bangfu.campaigns.models import Campaign
from bangfu.core.pdf import FontMissingError as FontMissingError  # raised by write_book_pdf
from bangfu.core.pdf import pdf_font
from bangfu.core.spreadsheets import SheetSpec, write_xlsx
from bangfu.geo.models import Region
from bangfu.ledger.counting import counted_activities
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
from bangfu.orgs.models import Unit


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(datetime.date(year, month, 1), datetime.date(year, month, last))

    @property
    def is_month(self) -> bool:
        return self == Period.month(self.start.year, self.start.month)

    def label(self) -> str:
        if self.is_month:
            return _("{year}年{month}月").format(year=self.start.year, month=self.start.month)
        return _("{start}至{end}").format(start=self.start.isoformat(), end=self.end.isoformat())


@dataclass
class Section:
    """One table of a book: a sheet of the .xlsx, a titled table of the PDF."""

    name: str
    headers: list[str]
    rows: list[list[Any]]
    totals: list[Any]
    widths: list[int]  # in characters (Excel); the PDF shares them out proportionally
    numeric: frozenset[int] = frozenset()  # right-aligned columns


@dataclass
class Book:
    """A ledger for one unit or one village over a period, already restricted and counted."""

    campaign: Campaign
    period: Period
    unit: Unit | None = None
    village: Region | None = None
    activities: list[Activity] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _("工作情况登记台账")

    @property
    def subject(self) -> str:
        if self.unit is not None:
            return _("单位:{name}").format(name=self.unit.name)
        village = self.village
        county = village.parent.parent if village.parent_id and village.parent.parent_id else None
        where = f"{county.name}{village.parent.name}" if county else ""
        return _("村:{where}{name}(全部帮扶单位)").format(where=where, name=village.name)

    @property
    def filename(self) -> str:
        who = self.unit.short_name or self.unit.name if self.unit else self.village.name
        return f"{self.title}-{who}-{self.period.label()}"

    def heading_lines(self) -> list[str]:
        return [
            self.title,
            _("{subject}    期间:{period}    帮扶行动:{campaign}").format(
                subject=self.subject, period=self.period.label(), campaign=self.campaign.name
            ),
        ]

    def sections(self) -> list[Section]:
        return [self._activity_section(), self._problem_section(), self._project_section()]

    def _where(self, record: Any) -> str:
        """The unit book names the village of each row; the village book names the unit."""
        if self.unit is not None:
            return record.village.name
        return record.unit.short_name or record.unit.name

    def _where_header(self) -> str:
        return _("村") if self.unit is not None else _("单位")

    def _activity_section(self) -> Section:
        headers = [
            _("序号"),
            _("日期"),
            _("帮扶类型"),
            self._where_header(),
            _("党支部"),
            _("参加人员"),
            _("人次"),
            _("工作内容"),
            _("天数"),
            _("数量"),
            _("金额(元)"),
            _("资金来源"),
        ]
        rows = []
        visits = days = quantity = 0
        amount = Decimal("0")
        for n, a in enumerate(self.activities, start=1):
            names = [p.member.name for p in a.participations.all()]
            rows.append(
                [
                    n,
                    a.date.isoformat(),
                    a.get_kind_display(),
                    self._where(a),
                    a.branch.name if a.branch_id else "",
                    "、".join(names),
                    len(names),
                    a.summary,
                    a.days or "",
                    a.quantity or "",
                    float(a.amount) if a.amount else "",
                    a.get_fund_source_display() if a.fund_source else "",
                ]
            )
            visits += len(names)
            days += a.days
            quantity += a.quantity
            amount += a.amount
        totals = [
            _("合计"),
            _("{n}条").format(n=len(rows)),
            "",
            "",
            "",
            "",
            visits,
            "",
            days,
            quantity,
            float(amount),
            "",
        ]
        return Section(
            name=_("帮扶活动"),
            headers=headers,
            rows=rows,
            totals=totals,
            widths=[6, 11, 12, 12, 12, 16, 6, 40, 6, 6, 12, 10],
            numeric=frozenset({0, 6, 8, 9, 10}),
        )

    def _problem_section(self) -> Section:
        headers = [
            _("序号"),
            _("提出日期"),
            self._where_header(),
            _("问题类别"),
            _("问题"),
            _("责任人"),
            _("完成时限"),
            _("状态"),
            _("解决日期"),
        ]
        rows = []
        raised = solved = 0
        for n, p in enumerate(self.problems, start=1):
            rows.append(
                [
                    n,
                    p.raised_on.isoformat(),
                    self._where(p),
                    p.get_category_display(),
                    p.title,
                    p.owner.name if p.owner_id else "",
                    p.deadline.isoformat() if p.deadline else "",
                    p.get_state_display(),
                    p.solved_on.isoformat() if p.solved_on else "",
                ]
            )
            raised += self.period.start <= p.raised_on <= self.period.end
            solved += bool(p.solved_on and self.period.start <= p.solved_on <= self.period.end)
        totals = [
            _("合计"),
            "",
            "",
            "",
            _("本期提出{raised}个,解决{solved}个").format(raised=raised, solved=solved),
            "",
            "",
            "",
            "",
        ]
        return Section(
            name=_("问题"),
            headers=headers,
            rows=rows,
            totals=totals,
            widths=[6, 11, 12, 10, 40, 10, 11, 8, 11],
            numeric=frozenset({0}),
        )

    def _project_section(self) -> Section:
        headers = [
            _("序号"),
            _("登记日期"),
            self._where_header(),
            _("项目名称"),
            _("项目来源"),
            _("产业领域"),
            _("状态"),
            _("受益贫困户"),
            _("资金(元)"),
        ]
        rows = []
        households = 0
        funds = Decimal("0")
        for n, p in enumerate(self.projects, start=1):
            rows.append(
                [
                    n,
                    p.date.isoformat(),
                    self._where(p),
                    p.name,
                    p.get_origin_display(),
                    p.get_sector_display(),
                    p.get_state_display(),
                    p.beneficiary_count,
                    float(p.funds or 0),
                ]
            )
            households += p.beneficiary_count
            funds += p.funds or 0
        totals = [
            _("合计"),
            _("{n}个").format(n=len(rows)),
            "",
            "",
            "",
            "",
            "",
            households,
            float(funds),
        ]
        return Section(
            name=_("项目"),
            headers=headers,
            rows=rows,
            totals=totals,
            widths=[6, 11, 12, 36, 8, 12, 8, 10, 14],
            numeric=frozenset({0, 7, 8}),
        )


# --- Building a book from records ---------------------------------------------------------


def _activities(qs: QuerySet) -> list[Activity]:
    participants = Prefetch(
        "participations",
        queryset=ActivityParticipant.objects.select_related("member").order_by("pk"),
    )
    return list(
        qs.select_related("village", "unit", "branch")
        .prefetch_related(participants)
        .order_by("date", "pk")
    )


def _build(book: Book, user: Any, where: Q) -> Book:
    period = book.period
    book.activities = _activities(
        counted_activities(book.campaign, Activity.objects.restrict(user, "view"))
        .filter(where)
        .filter(date__range=(period.start, period.end))
    )
    book.problems = list(
        Problem.objects.restrict(user, "view")
        .filter(where, campaign=book.campaign)
        .filter(
            Q(raised_on__range=(period.start, period.end))
            | Q(solved_on__range=(period.start, period.end))
        )
        .select_related("village", "unit", "owner")
        .order_by("raised_on", "pk")
    )
    # Funds and beneficiaries as subqueries-free aggregates would multiply each other's rows.
    projects = list(
        Project.objects.restrict(user, "view")
        .filter(where, campaign=book.campaign, date__range=(period.start, period.end))
        .select_related("village", "unit")
        .annotate(beneficiary_count=Count("beneficiaries", distinct=True))
        .order_by("date", "pk")
    )
    funds = dict(
        Project.objects.filter(pk__in=[p.pk for p in projects])
        .annotate(total=Sum("fundings__amount"))
        .values_list("pk", "total")
    )
    for p in projects:
        p.funds = funds.get(p.pk) or Decimal("0")
    book.projects = projects
    return book


def unit_book(campaign: Campaign, unit: Unit, period: Period, user: Any) -> Book:
    """A unit's ledger for the period, with only the rows `user` may see and that count."""
    return _build(Book(campaign=campaign, period=period, unit=unit), user, Q(unit=unit))


def village_book(campaign: Campaign, village: Region, period: Period, user: Any) -> Book:
    """A village's ledger for the period: every unit working there that `user` may see."""
    return _build(Book(campaign=campaign, period=period, village=village), user, Q(village=village))


# --- .xlsx ---------------------------------------------------------------------------------


def write_book_xlsx(book: Book, target: Any) -> None:
    """The book as a workbook: one sheet per section, titled, with a totals row."""
    heading = book.heading_lines()
    sheets = [
        SheetSpec(
            name=s.name,
            headers=s.headers,
            rows=s.rows,
            widths=s.widths,
            title=[*heading[:1], f"{heading[1]}    {s.name}"],
            totals=s.totals,
            landscape=len(s.headers) > 8,
        )
        for s in book.sections()
    ]
    write_xlsx(target, sheets)


# --- PDF -----------------------------------------------------------------------------------


def _numbered_canvas(book: Book, font: str) -> type:
    """A canvas that draws the page header and "page n of N" once all pages are known."""
    from reportlab.pdfgen.canvas import Canvas

    header = book.heading_lines()

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # ReportLab names it so
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFont(font, 10)
            self.drawString(15 * 2.835, height - 12 * 2.835, header[0])
            self.setFont(font, 8)
            self.drawRightString(width - 15 * 2.835, height - 12 * 2.835, header[1])
            self.line(15 * 2.835, height - 14 * 2.835, width - 15 * 2.835, height - 14 * 2.835)
            self.drawCentredString(
                width / 2,
                8 * 2.835,
                _("第{page}页 共{total}页").format(page=self._pageNumber, total=total),
            )
            self.restoreState()

    return NumberedCanvas


def write_book_pdf(book: Book, target: Any) -> None:
    """The book as an A4 PDF (landscape: the activity table is wide): a page header with
    title, unit or village and period, page numbers, table headers repeated on each page and
    a totals row; the Chinese font is embedded (subset)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    font, _path = pdf_font()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        target,
        pagesize=page,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=15 * mm,
        title=f"{book.title} {book.subject} {book.period.label()}",
        author="Bangfu",
        initialFontName=font,  # otherwise each page names an unembedded Helvetica
    )
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=cell, alignment=TA_CENTER)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=16, spaceBefore=8)
    sub = ParagraphStyle("sub", fontName=font, fontSize=9, leading=13, alignment=TA_CENTER)

    def p(value: Any, style: ParagraphStyle) -> Paragraph:
        text = "" if value is None else str(value)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(text, style)

    def show(value: Any) -> Any:
        return f"{value:,.2f}" if isinstance(value, float) else value

    lines = book.heading_lines()
    story: list[Any] = [p(lines[0], title), p(lines[1], sub), Spacer(1, 4 * mm)]
    for section in book.sections():
        story.append(p(section.name, heading))
        total_width = sum(section.widths)
        col_widths = [doc.width * w / total_width for w in section.widths]

        def row(values: Sequence[Any], sec: Section = section) -> list[Paragraph]:
            return [p(show(v), number if i in sec.numeric else cell) for i, v in enumerate(values)]

        data = [[p(h, head) for h in section.headers]]
        data += [row(r) for r in section.rows]
        data.append(row(section.totals))
        table = LongTable(data, colWidths=col_widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F6F6F6")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        story.append(table)
    doc.build(story, canvasmaker=_numbered_canvas(book, font))
