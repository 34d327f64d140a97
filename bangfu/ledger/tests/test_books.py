"""The printable ledger (台账): exactly the scoped, counted rows, with correct totals, in both
the .xlsx (read back) and the PDF (turned into text with pdftotext), font embedded."""

from __future__ import annotations

import datetime
import io
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from python_calamine_plus import CalamineWorkbook

from bangfu.core import pdf
from bangfu.ledger import books
from bangfu.ledger.choices import ActivityKind, FundSource, ProblemState, ReviewState
from bangfu.ledger.models import Activity, Problem, Project

D = datetime.date


def _activity(world: Any, unit: str, summary: str, day: datetime.date, state: str, **kw: Any):
    unit_obj = getattr(world, f"unit_{unit}")
    branch = getattr(world, f"branch_{unit}")
    members = kw.pop("members", [world.member_a] if unit == "a" else [world.secretary_b])
    activity = Activity.objects.create(
        campaign=world.campaign,
        kind=kw.pop("kind", ActivityKind.SERVICE_VISIT),
        date=day,
        village=kw.pop("village", world.baoshan if unit == "a" else world.lebang),
        unit=unit_obj,
        branch=branch,
        summary=summary,
        state=state,
        **kw,
    )
    for member in members:
        activity.participations.create(member=member)
    return activity


@pytest.fixture
def ledger(world: Any) -> Any:
    """Unit A's May 2016 in 宝山村, with rows that must stay out of its book."""
    world.activity_a.summary = "五月一日入户走访"
    world.activity_a.save()
    world.activity_b.summary = "乐邦村走访档案局"
    world.activity_b.save()
    _activity(
        world,
        "a",
        "引进产业扶持资金",
        D(2016, 5, 10),
        ReviewState.ACCEPTED,
        kind=ActivityKind.FUNDS,
        amount=Decimal("5000"),
        fund_source=FundSource.FISCAL,
        members=[world.secretary_a, world.member_a],
    )
    _activity(world, "a", "待审核的走访", D(2016, 5, 12), ReviewState.SUBMITTED)
    _activity(world, "a", "被退回的走访", D(2016, 5, 13), ReviewState.RETURNED)
    _activity(world, "a", "六月份的走访", D(2016, 6, 2), ReviewState.ACCEPTED)
    _activity(
        world, "b", "档案局到宝山村", D(2016, 5, 20), ReviewState.ACCEPTED, village=world.baoshan
    )
    common = {"campaign": world.campaign, "village": world.baoshan, "unit": world.unit_a}
    Problem.objects.create(
        **common,
        category="infrastructure",
        title="路灯不亮",
        raised_on=D(2016, 5, 3),
        state=ProblemState.SOLVED,
        solved_on=D(2016, 5, 20),
        owner=world.member_a,
    )
    Problem.objects.create(
        **common,
        category="water",
        title="饮水管破裂",
        raised_on=D(2016, 4, 3),
        state=ProblemState.SOLVED,
        solved_on=D(2016, 5, 25),
    )
    Problem.objects.create(
        **common, category="other", title="六月提出的问题", raised_on=D(2016, 6, 3)
    )
    project = Project.objects.create(
        **common, name="蜂蜜合作社", date=D(2016, 5, 15), origin="introduced", sector="livestock"
    )
    project.fundings.create(source=FundSource.FISCAL, amount=Decimal("30000"))
    project.fundings.create(source=FundSource.UNIT, amount=Decimal("20000"))
    project.beneficiaries.add(world.household_a)
    Project.objects.create(
        **common, name="六月的项目", date=D(2016, 6, 5), origin="planned", sector="tourism"
    )
    return world


MAY = books.Period.month(2016, 5)


def _sheets(content: bytes) -> dict[str, list[list[Any]]]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def _table(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]], list[Any]]:
    """(header, data rows, totals row) of a sheet written under two title lines."""
    header = rows[2]
    return header, rows[3:-1], rows[-1]


def _column(header: list[str], rows: list[list[Any]], name: str) -> list[Any]:
    i = header.index(name)
    return [r[i] for r in rows]


def _download(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def _unit_url(world: Any, fmt: str, unit: Any = None, month: int = 5) -> str:
    unit = unit or world.unit_a
    url = reverse("ledger:book_unit", args=[unit.pk, 2016, month, fmt])
    return f"{url}?campaign={world.campaign.pk}"


def test_unit_month_xlsx_holds_exactly_the_counted_rows_and_totals(ledger: Any, login: Any) -> None:
    client = login("unit_a")
    sheets = _sheets(_download(client, _unit_url(ledger, "xlsx")))
    assert list(sheets) == ["帮扶活动", "问题", "项目"]
    activities = sheets["帮扶活动"]
    assert activities[0][0] == "工作情况登记台账"
    assert "贵州省总工会" in activities[1][0] and "2016年5月" in activities[1][0]
    header, rows, totals = _table(activities)
    assert _column(header, rows, "工作内容") == ["五月一日入户走访", "引进产业扶持资金"]
    assert _column(header, rows, "参加人员") == ["李党员", "王书记、李党员"]
    assert _column(header, rows, "人次") == [1, 2]
    assert totals[0] == "合计"
    assert totals[header.index("人次")] == 3
    assert totals[header.index("金额(元)")] == 5000
    assert totals[1] == "2条"

    header, rows, totals = _table(sheets["问题"])
    assert _column(header, rows, "问题") == ["饮水管破裂", "路灯不亮"]
    assert "本期提出1个,解决2个" in totals

    header, rows, totals = _table(sheets["项目"])
    assert _column(header, rows, "项目名称") == ["蜂蜜合作社"]
    assert totals[header.index("资金(元)")] == 50000
    assert totals[header.index("受益贫困户")] == 1


def test_submitted_entries_count_when_the_campaign_says_so(ledger: Any, login: Any) -> None:
    ledger.campaign.count_submitted = True
    ledger.campaign.save()
    client = login("unit_a")
    header, rows, totals = _table(_sheets(_download(client, _unit_url(ledger, "xlsx")))["帮扶活动"])
    summaries = _column(header, rows, "工作内容")
    assert summaries == ["五月一日入户走访", "引进产业扶持资金", "待审核的走访"]
    assert "被退回的走访" not in summaries
    assert totals[header.index("人次")] == 4


@pytest.mark.pdf
def test_unit_month_pdf_text_has_the_rows_and_totals_and_embeds_the_font(
    ledger: Any, login: Any, tmp_path: Path
) -> None:
    client = login("unit_a")
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(_download(client, _unit_url(ledger, "pdf")))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "工作情况登记台账",
        "贵州省总工会",
        "2016年5月",
        "五月一日入户走访",
        "引进产业扶持资金",
        "王书记、李党员",
        "5,000.00",
        "合计",
        "2条",
        "路灯不亮",
        "饮水管破裂",
        "本期提出1个,解决2个",
        "蜂蜜合作社",
        "50,000.00",
        "第1页 共",
    ):
        assert expected in text, expected
    for excluded in (
        "待审核的走访",
        "被退回的走访",
        "六月份的走访",
        "档案局到宝山村",
        "乐邦村走访档案局",
        "六月提出的问题",
        "六月的项目",
    ):
        assert excluded not in text, excluded
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts, "the PDF names no font"
    for line in fonts:
        # name, type, encoding, emb, sub, uni, object id
        assert line.split()[-5] == "yes", line


@pytest.mark.pdf
def test_pdf_repeats_the_table_header_and_numbers_every_page(
    ledger: Any, login: Any, tmp_path: Path
) -> None:
    for n in range(80):
        _activity(
            ledger, "a", f"第{n}次入户走访,了解种植需求", D(2016, 5, 28), ReviewState.ACCEPTED
        )
    client = login("unit_a")
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(_download(client, _unit_url(ledger, "pdf")))
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页 共{len(pages)}页" in page
        assert "贵州省总工会" in page  # the page header
    # The activity table runs over the first pages; each repeats the header row.
    activity_pages = [p for p in pages if "入户走访" in p]
    assert len(activity_pages) >= 2
    for page in activity_pages:
        assert "工作内容" in page and "参加人员" in page


def test_village_book_has_every_unit_in_the_village_for_the_office(ledger: Any, login: Any) -> None:
    client = login("office")
    url = reverse("ledger:book_village", args=[ledger.baoshan.code, "xlsx"])
    content = _download(
        client, f"{url}?campaign={ledger.campaign.pk}&from=2016-05-01&to=2016-05-25"
    )
    sheet = _sheets(content)["帮扶活动"]
    assert "宝山村" in sheet[1][0] and "2016-05-01至2016-05-25" in sheet[1][0]
    header, rows, totals = _table(sheet)
    assert _column(header, rows, "工作内容") == [
        "五月一日入户走访",
        "引进产业扶持资金",
        "档案局到宝山村",
    ]
    assert _column(header, rows, "单位") == ["省总工会", "省总工会", "省档案局"]
    assert totals[header.index("人次")] == 4


def test_village_book_keeps_to_the_users_scope(ledger: Any, login: Any) -> None:
    client = login("unit_a")
    url = reverse("ledger:book_village", args=[ledger.baoshan.code, "xlsx"])
    content = _download(
        client, f"{url}?campaign={ledger.campaign.pk}&from=2016-05-01&to=2016-05-31"
    )
    header, rows, _totals = _table(_sheets(content)["帮扶活动"])
    assert "档案局到宝山村" not in _column(header, rows, "工作内容")
    assert set(_column(header, rows, "单位")) == {"省总工会"}


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_crafted_url_for_another_unit_is_404(ledger: Any, login: Any, fmt: str) -> None:
    client = login("unit_a")
    assert client.get(_unit_url(ledger, fmt, unit=ledger.unit_b)).status_code == 404
    client = login("branch_a")
    assert client.get(_unit_url(ledger, fmt, unit=ledger.unit_b)).status_code == 404


def test_crafted_url_for_a_village_outside_scope_is_404(ledger: Any, login: Any) -> None:
    client = login("unit_a")
    url = reverse("ledger:book_village", args=[ledger.lebang.code, "xlsx"])
    assert client.get(url).status_code == 404
    client = login("viewer_bijie")
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("ledger:book_village", args=[ledger.bijie.code, "xlsx"])).status_code
        == 404
    )


def test_anonymous_users_are_sent_to_log_in(ledger: Any, client: Any) -> None:
    response = client.get(_unit_url(ledger, "xlsx"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_format_is_404(ledger: Any, login: Any) -> None:
    client = login("unit_a")
    assert client.get(_unit_url(ledger, "docx")).status_code == 404


def test_picker_leads_to_the_download(ledger: Any, login: Any) -> None:
    client = login("unit_a")
    page = client.get(reverse("ledger:book_index"))
    assert page.status_code == 200
    assert "工作情况登记台账" in page.content.decode()
    assert 'value="2016-12"' in page.content.decode()  # the campaign's last month, not today's
    response = client.get(
        reverse("ledger:book_index"),
        {
            "campaign": ledger.campaign.pk,
            "kind": "unit",
            "unit": ledger.unit_a.pk,
            "month": "2016-05",
            "fmt": "pdf",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _unit_url(ledger, "pdf")
    response = client.get(
        reverse("ledger:book_index"),
        {
            "campaign": ledger.campaign.pk,
            "kind": "village",
            "village": ledger.lebang.code,
            "fmt": "xlsx",
        },
    )
    assert response.status_code == 200
    assert "请选择您管辖范围内的一个村" in response.content.decode()


def test_picker_offers_only_units_in_scope(ledger: Any, login: Any) -> None:
    client = login("unit_a")
    response = client.get(
        reverse("ledger:book_index"),
        {
            "campaign": ledger.campaign.pk,
            "kind": "unit",
            "unit": ledger.unit_b.pk,
            "month": "2016-05",
            "fmt": "xlsx",
        },
    )
    assert response.status_code == 200
    assert "贵州省档案局" not in response.content.decode()


def test_no_chinese_font_fails_with_a_message_naming_the_package(
    ledger: Any, login: Any, monkeypatch: Any, settings: Any
) -> None:
    pdf._find_font.cache_clear()
    monkeypatch.setattr(pdf, "KNOWN_FONTS", ())
    monkeypatch.setattr(pdf, "_fontconfig_candidates", lambda: [])
    settings.BANGFU_PDF_FONT = None
    monkeypatch.delenv("BANGFU_PDF_FONT", raising=False)
    try:
        with pytest.raises(pdf.FontMissingError, match="fonts-wqy-microhei"):
            pdf.pdf_font()
        client = login("unit_a")
        response = client.get(_unit_url(ledger, "pdf"), follow=True)
        assert "fonts-wqy-microhei" in response.content.decode()
    finally:
        pdf._find_font.cache_clear()


@pytest.mark.pdf
def test_configured_font_that_is_not_chinese_is_refused(settings: Any) -> None:
    pdf._find_font.cache_clear()
    settings.BANGFU_PDF_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    try:
        with pytest.raises(pdf.FontMissingError, match="BANGFU_PDF_FONT"):
            pdf.pdf_font()
        settings.BANGFU_PDF_FONT = "/nonexistent/font.ttf"
        with pytest.raises(pdf.FontMissingError, match="不存在"):
            pdf.pdf_font()
    finally:
        pdf._find_font.cache_clear()


def test_book_builds_with_a_fixed_number_of_queries(
    ledger: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        _activity(ledger, "a", f"走访{n}", D(2016, 5, 9), ReviewState.ACCEPTED)
    user = ledger.users["unit_a"]
    user.refresh_from_db()
    with django_assert_max_num_queries(10):
        book = books.unit_book(ledger.campaign, ledger.unit_a, MAY, user)
        sections = book.sections()
    assert len(sections[0].rows) == 22
