"""The bulletin: its exact text for fixed scenarios, its numbers in Chinese formats, and its
.docx (read back with python-docx) and PDF (read back with pdftotext) downloads."""

from __future__ import annotations

import datetime
import io
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import AllocationTarget, Pairing
from bangfu.conftest import World
from bangfu.dashboard.bulletin import build_bulletin, long_date, write_pdf
from bangfu.dashboard.figures import FigureSlice
from bangfu.ledger.choices import ActivityKind, ProblemState, ReviewState
from bangfu.ledger.models import Activity, Problem

TODAY = datetime.date(2017, 1, 10)


@pytest.fixture
def busy(world: World) -> World:
    """Unit A also brought in 193 million yuan, sent two experts and helped a household;
    one problem in 宝山村 is past its deadline."""
    funds = Activity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.FUNDS,
        date=datetime.date(2016, 9, 1),
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        summary="引进资金",
        amount=Decimal("193000000"),
        state=ReviewState.ACCEPTED,
    )
    funds.participations.create(member=world.secretary_a)
    expert = Activity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.EXPERT_VISIT,
        date=datetime.date(2016, 6, 1),
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        summary="技术指导",
        state=ReviewState.ACCEPTED,
    )
    expert.participations.create(member=world.member_a)
    expert.participations.create(member=world.secretary_a)
    Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.SECRETARY_HOUSEHOLD,
        branch=world.branch_a,
        member=world.secretary_a,
        household=world.household_a,
        village=world.baoshan,
        start=datetime.date(2016, 4, 1),
    )
    Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        category="water",
        title="饮水管道老化",
        raised_on=datetime.date(2016, 5, 1),
        deadline=datetime.date(2016, 8, 31),
        state=ProblemState.OPEN,
    )
    for unit, target in ((world.unit_a, 2), (world.unit_b, 1)):
        AllocationTarget.objects.create(
            campaign=world.campaign, unit=unit, kind=PairingKind.BRANCH_VILLAGE, target=target
        )
    return world


def test_bulletin_text_for_the_whole_campaign(world: World) -> None:
    bulletin = build_bulletin(FigureSlice(world.campaign), today=TODAY)
    assert bulletin.title == "“2016年五千行动”工作简报"
    assert bulletin.subtitle == "范围:全部单位和地区    期间:2016年3月1日至2016年12月31日"
    assert bulletin.paragraphs == [
        "据统计,“2016年五千行动”开展以来,参与单位2个,已有2个机关党支部结对帮扶2个村,"
        "2人次党员干部进村服务发展。"
    ]
    assert bulletin.footer == (
        "本简报由帮扶系统于2017年1月10日根据台账和结对记录自动生成。台账只统计审核通过的记录。"
    )
    assert ("结对帮扶的村", "2个") in bulletin.figures


def test_bulletin_text_for_a_unit_and_period(busy: World) -> None:
    slice_ = FigureSlice(
        busy.campaign,
        unit_id=busy.unit_a.pk,
        date_from=datetime.date(2016, 4, 1),
        date_to=datetime.date(2016, 12, 31),
    )
    bulletin = build_bulletin(slice_, today=TODAY)
    assert bulletin.subtitle == "范围:贵州省总工会    期间:2016年4月1日至2016年12月31日"
    assert bulletin.paragraphs == [
        "据统计,2016年4月1日至2016年12月31日,贵州省总工会已有1个机关党支部结对帮扶1个村,"
        "1名机关党支部书记牵头帮扶1户贫困户,2人次专业技术人员进村帮难解困,"
        "1人次党员干部进村服务发展,引进资金1.93亿元。",
        "按基本任务分配方案,结对任务尚未全部完成,1个问题已超过完成时限仍未解决,请抓紧推进。",
    ]
    assert ("引进资金", "1.93亿元") in bulletin.figures


def test_bulletin_text_for_a_region(busy: World) -> None:
    slice_ = FigureSlice(busy.campaign, region_prefix="5227", date_to=datetime.date(2016, 6, 30))
    bulletin = build_bulletin(slice_, today=TODAY)
    assert bulletin.paragraphs == [
        "据统计,截至2016年6月30日,在黔南布依族苗族自治州,参与单位1个,"
        "已有1个机关党支部结对帮扶1个村,1人次党员干部进村服务发展。",
        "按基本任务分配方案,结对任务已全部完成。",
    ]


def test_a_campaign_name_with_its_own_quotes_is_not_quoted_again(world: World) -> None:
    world.campaign.name = "2016年省直机关“五千行动”"
    world.campaign.save()
    bulletin = build_bulletin(FigureSlice(world.campaign), today=TODAY)
    assert bulletin.title == "2016年省直机关“五千行动”工作简报"
    assert bulletin.paragraphs[0].startswith("据统计,2016年省直机关“五千行动”开展以来,")


def test_all_units_meeting_their_targets_and_the_middle_case(busy: World) -> None:
    Pairing.objects.create(
        campaign=busy.campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=busy.branch_a,
        village=busy.lebang,
        start=datetime.date(2016, 4, 1),
    )
    text = build_bulletin(FigureSlice(busy.campaign), today=TODAY).text
    assert "按基本任务分配方案,2个单位均已完成全部结对任务," in text
    AllocationTarget.objects.filter(unit=busy.unit_a).update(target=5)
    text = build_bulletin(FigureSlice(busy.campaign), today=TODAY).text
    assert "按基本任务分配方案,1个单位已完成全部结对任务,1个单位尚未完成," in text


def test_a_region_viewer_reads_about_their_region(busy: World) -> None:
    viewer = busy.users["viewer_bijie"]
    bulletin = build_bulletin(FigureSlice(busy.campaign, user=viewer), today=TODAY)
    assert bulletin.paragraphs[0].startswith(
        "据统计,“2016年五千行动”开展以来,在毕节市,参与单位1个,已有1个机关党支部结对帮扶1个村,"
    )
    assert bulletin.subtitle.startswith("范围:毕节市 ")
    assert "乐邦" not in bulletin.text and "黔南" not in bulletin.text


def test_numbers_are_formatted_as_chinese_readers_expect(world: World) -> None:
    Activity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.TECH_SERVICE,
        date=datetime.date(2016, 7, 1),
        village=world.baoshan,
        unit=world.unit_a,
        summary="培训",
        quantity=2152,
        state=ReviewState.ACCEPTED,
    )
    Activity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.FUNDS,
        date=datetime.date(2016, 7, 2),
        village=world.baoshan,
        unit=world.unit_a,
        summary="资金",
        amount=Decimal("50000000"),
        state=ReviewState.ACCEPTED,
    )
    text = build_bulletin(FigureSlice(world.campaign), today=TODAY).text
    assert "提供技术服务2,152人次" in text
    assert "引进资金5,000万元" in text
    assert long_date(datetime.date(2016, 12, 31)) == "2016年12月31日"


def test_english_bulletin_uses_english_number_formats(busy: World) -> None:
    with translation.override("en"):
        bulletin = build_bulletin(FigureSlice(busy.campaign), today=TODAY)
    assert "193 million yuan" in bulletin.text
    assert "亿" not in bulletin.text
    assert bulletin.paragraphs[0].endswith(".")


def test_docx_download_reads_back(busy: World, login: Any) -> None:
    from docx import Document

    response = login("office").get(reverse("dashboard:bulletin_download", args=["docx"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    texts = [p.text for p in document.paragraphs]
    expected = build_bulletin(FigureSlice(busy.campaign, user=busy.users["office"]))
    assert texts[0] == expected.title
    for paragraph in expected.paragraphs:
        assert paragraph in texts
    cells = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cells["引进资金"] == "1.93亿元"
    assert cells["结对帮扶的村"] == "2个"


def test_docx_is_a4_in_the_plain_official_style(busy: World, login: Any) -> None:
    """A government bulletin is A4 (GB/T 9704 margins) with black, unbordered headings."""
    from docx import Document
    from docx.shared import Mm

    response = login("office").get(reverse("dashboard:bulletin_download", args=["docx"]))
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        assert abs(section.top_margin - Mm(37)) < Mm(1)
        assert abs(section.left_margin - Mm(28)) < Mm(1)
    xml = document.element.xml + "".join(
        document.styles[name].element.xml for name in ("Title", "Heading 2", "Normal")
    )
    for stock in ("4F81BD", "365F91", "17365D", "w:pBdr", "themeColor"):
        assert stock not in xml, stock


@pytest.mark.pdf
def test_pdf_download_reads_back(busy: World, login: Any, tmp_path: Any) -> None:
    response = login("office").get(reverse("dashboard:bulletin_download", args=["pdf"]))
    assert response.status_code == 200
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    expected = build_bulletin(FigureSlice(busy.campaign, user=busy.users["office"]))
    assert expected.title in flat
    for paragraph in expected.paragraphs:
        assert "".join(paragraph.split()) in flat
    assert "1.93亿元" in flat
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "TrueType" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk)  # embedded


@pytest.mark.pdf
def test_pdf_writer_is_the_same_from_code(busy: World) -> None:
    out = io.BytesIO()
    write_pdf(build_bulletin(FigureSlice(busy.campaign), today=TODAY), out)
    assert out.getvalue().startswith(b"%PDF")


def test_a_unit_bulletin_never_mentions_another_unit(busy: World, login: Any) -> None:
    client = login("unit_b")
    page = client.get(reverse("dashboard:bulletin")).content.decode()
    assert "据统计" in page
    assert "总工会" not in page and "1.93亿元" not in page
    assert "贵州省档案局已有1个机关党支部结对帮扶1个村" in page  # all it sees is its unit
    crafted = client.get(reverse("dashboard:bulletin"), {"unit": busy.unit_a.pk})
    assert "总工会" not in crafted.content.decode()
    download = client.get(
        reverse("dashboard:bulletin_download", args=["docx"]), {"unit": busy.unit_a.pk}
    )
    assert download.status_code == 302  # refused: back to the page, which names the error


def test_bulletin_page_offers_both_downloads_with_the_slice(world: World, login: Any) -> None:
    response = login("office").get(reverse("dashboard:bulletin"), {"region": "5205"})
    html = response.content.decode()
    assert 'href="/dashboard/bulletin.docx?region=5205"' in html
    assert 'href="/dashboard/bulletin.pdf?region=5205"' in html
    assert "在毕节市" in html
    assert login("office").get("/dashboard/bulletin.txt").status_code == 404


def test_counted_phrases_take_the_english_plural_form() -> None:
    from bangfu.dashboard.bulletin import counted

    assert counted("villages_paired", 1) == "1个村"
    assert counted("villages_paired", 2152) == "2,152个村"
    with translation.override("en"):
        assert counted("villages_paired", 1) == "1 village"
        assert counted("villages_paired", 2152) == "2,152 villages"
        assert counted("overdue", 1).startswith("please speed up work on the 1 problem ")
        assert counted("overdue", 3).startswith("please speed up work on the 3 problems ")
