"""Assessment pages: the office's work, who sees which results, drill-down and exports."""

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.assessment import services
from bangfu.assessment.models import AssessmentResult, HandScore, Indicator, Scheme
from bangfu.assessment.tests.factories import make_scheme
from bangfu.core.spreadsheets import read_rows


@pytest.fixture
def frozen(world):
    scheme = make_scheme(world)
    manual = scheme.indicators.get(kind="manual")
    services.save_hand_score(manual, world.unit_a, Decimal(30), "创新做法多", None)
    return services.freeze(scheme, world.users["office"])


def _unit_result(result_set, unit):
    return AssessmentResult.objects.get(result_set=result_set, unit=unit, subject="unit")


def test_office_builds_a_scheme_from_the_pages(login, world):
    client = login("office")
    response = client.post(
        reverse("assessment:scheme_add"),
        {
            "campaign": world.campaign.pk,
            "name": "2016年度目标考核",
            "grade_method": "thresholds",
            "excellent_min": 90,
            "good_min": 80,
            "pass_min": 60,
            "excellent_share": 20,
            "good_share": 30,
        },
    )
    assert response.status_code == 302
    scheme = Scheme.objects.get(name="2016年度目标考核")
    response = client.post(
        reverse("assessment:indicator_add", args=[scheme.pk]),
        {
            "order": 1,
            "name": "审核及时",
            "kind": "measure",
            "measure": "review_timeliness",
            "params": '{"days": 5}',
            "weight": 10,
            "target": 100,
            "zero_at": 50,
            "min_points": 0,
        },
    )
    assert response.status_code == 302
    indicator = scheme.indicators.get()
    assert indicator.params == {"days": 5} and indicator.zero_at == 50
    bad = client.post(
        reverse("assessment:indicator_add", args=[scheme.pk]),
        {
            "order": 2,
            "name": "x",
            "kind": "measure",
            "measure": "funds",
            "params": '{"days": 5}',
            "weight": 10,
            "target": 100,
            "zero_at": 0,
            "min_points": 0,
        },
    )
    assert bad.status_code == 200 and "没有参数" in bad.content.decode()
    page = client.get(scheme.get_absolute_url())
    assert "台账审核及时率" in page.content.decode()


def test_editing_a_scheme_in_use_from_the_page_makes_a_new_version(login, world, frozen):
    client = login("office")
    scheme = frozen.scheme
    indicator = scheme.indicators.get(order=1)
    page = client.get(reverse("assessment:indicator_edit", args=[indicator.pk]))
    assert "生成新版本" in page.content.decode()
    response = client.post(
        reverse("assessment:indicator_edit", args=[indicator.pk]),
        {
            "order": 1,
            "name": "走访频次",
            "kind": "measure",
            "measure": "visits_per_pairing_month",
            "params": "{}",
            "weight": 50,
            "target": 2,
            "zero_at": 0,
            "min_points": 0,
            "loaded_version": indicator.updated.isoformat(),
        },
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.weight == Decimal(60)  # the version in use is unchanged
    new = Scheme.objects.get(name=scheme.name, version=2)
    assert new.indicators.get(order=1).weight == Decimal(50)
    assert response["Location"] == new.get_absolute_url()


def test_hand_score_page_needs_a_comment(login, world):
    scheme = make_scheme(world)
    manual = scheme.indicators.get(kind="manual")
    client = login("office")
    url = reverse("assessment:hand_scores", args=[scheme.pk])
    post = {"indicator": manual.pk, "unit": world.unit_b.pk, "points": 20, "comment": ""}
    response = client.post(url, post)
    assert response.status_code == 200 and not HandScore.objects.exists()
    response = client.post(url, {**post, "comment": "档案数字化有特色"})
    assert response.status_code == 302
    hand = HandScore.objects.get()
    assert hand.scored_by == world.users["office"] and hand.points == 20
    client.post(url, {**post, "points": 25, "comment": "复核后加分"})  # replaces the score
    assert HandScore.objects.get().points == 25
    page = client.get(f"{url}?unit={world.unit_b.pk}&indicator={manual.pk}")
    assert page.context["form"].initial["comment"] == "复核后加分"
    assert login("unit_a").get(url).status_code == 403


def test_freeze_and_publish_from_the_pages(login, world):
    scheme = make_scheme(world)
    client = login("office")
    preview = client.get(scheme.get_absolute_url() + "?preview=1")
    assert "贵州省总工会" in preview.content.decode()
    response = client.post(reverse("assessment:freeze", args=[scheme.pk]))
    result_set = scheme.result_sets.get()
    assert response["Location"] == result_set.get_absolute_url()
    assert login("unit_a").post(
        reverse("assessment:publish", args=[result_set.pk])
    ).status_code in (
        403,
        404,
    )
    client = login("office")
    client.post(reverse("assessment:publish", args=[result_set.pk]))
    result_set.refresh_from_db()
    assert result_set.is_published


def test_unpublished_results_are_the_offices_alone(login, world, frozen):
    mine = _unit_result(frozen, world.unit_a)
    office = login("office")
    assert office.get(mine.get_absolute_url()).status_code == 200
    assert office.get(frozen.get_absolute_url()).status_code == 200
    unit = login("unit_a")
    assert unit.get(frozen.get_absolute_url()).status_code == 404
    assert unit.get(mine.get_absolute_url()).status_code == 404
    assert "resultset-link" not in unit.get(reverse("assessment:scheme_list")).content.decode()


def test_published_results_show_each_unit_only_its_own(login, world, frozen):
    services.publish(frozen)
    mine, theirs = _unit_result(frozen, world.unit_a), _unit_result(frozen, world.unit_b)
    client = login("unit_a")
    page = client.get(frozen.get_absolute_url())
    assert page.status_code == 200
    assert [r.unit for r, _s in page.context["rows"]] == [world.unit_a]
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    branch = AssessmentResult.objects.get(result_set=frozen, branch=world.branch_a)
    assert client.get(branch.get_absolute_url()).status_code == 200
    # A leader for 毕节 sees the units working there (unit A), not unit B.
    viewer = login("viewer_bijie")
    assert viewer.get(mine.get_absolute_url()).status_code == 200
    assert viewer.get(theirs.get_absolute_url()).status_code == 404
    # Branch secretaries and members have no assessment pages.
    assert login("member_a").get(mine.get_absolute_url()).status_code == 404


def test_a_point_links_to_the_records_behind_it(login, world, frozen):
    services.publish(frozen)
    mine = _unit_result(frozen, world.unit_a)
    visits = frozen.scheme.indicators.get(order=1)
    client = login("office")
    sheet = client.get(mine.get_absolute_url())
    url = reverse("assessment:records", args=[mine.pk, visits.pk])
    assert url in sheet.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["page"]) == [world.activity_a]
    assert not page.context["changed"]
    # Unit B cannot follow unit A's points.
    assert login("unit_b").get(url).status_code == 404
    # A hand-scored line has no records page.
    manual = frozen.scheme.indicators.get(kind="manual")
    assert client.get(reverse("assessment:records", args=[mine.pk, manual.pk])).status_code == 404


def test_drill_down_says_when_records_changed_after_freezing(login, world, frozen):
    world.activity_a.state = "returned"
    world.activity_a.save()
    mine = _unit_result(frozen, world.unit_a)
    visits = frozen.scheme.indicators.get(order=1)
    page = login("office").get(reverse("assessment:records", args=[mine.pk, visits.pk]))
    assert page.context["changed"] and page.context["count"] == 0
    mine.refresh_from_db()
    assert mine.score == Decimal("35.97")


def test_results_table_exports_and_reads_back(login, world, frozen, tmp_path):
    response = login("office").get(frozen.get_absolute_url() + "?subject=unit&_export=xlsx")
    path = tmp_path / "results.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    rows = list(read_rows(path))
    header = rows[2]
    assert header[:3] == ["名次", "单位", "党支部"] and header[-2:] == ["总分", "等次"]
    data = {r[1]: r for r in rows[3:]}
    assert data["贵州省总工会"][3:] == [5.97, 30.0, 35.97, "不合格"]
    assert data["贵州省总工会"][0] == 1


def test_score_sheet_exports_xlsx_and_reads_back(login, world, frozen, tmp_path):
    mine = _unit_result(frozen, world.unit_a)
    client = login("office")
    response = client.get(mine.get_absolute_url() + "?_export=xlsx")
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    rows = list(read_rows(path))
    assert rows[0][0] == "贵州省总工会 考核得分表"
    lines = {r[0]: r for r in rows[3:]}
    assert lines["走访频次"][1:4] == [60.0, "0.0995 次/对/月", 5.97]
    assert lines["工作创新"][3:5] == [30.0, "创新做法多"]
    assert rows[-1][3] == 35.97


@pytest.mark.pdf
def test_score_sheet_pdf_reads_back_with_the_font_embedded(login, world, frozen, tmp_path):
    mine = _unit_result(frozen, world.unit_a)
    response = login("office").get(mine.get_absolute_url() + "?_export=pdf")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    assert b"/FontFile2" in pdf.read_bytes()  # the Chinese font is embedded
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "贵州省总工会 考核得分表",
        "走访频次",
        "5.97",
        "创新做法多",
        "35.97",
        "不合格",
    ):
        assert expected in text, expected


def test_menu_shows_assessment_to_office_and_units_only(login, world):
    assert reverse("assessment:scheme_list") in login("office").get("/").content.decode()
    assert reverse("assessment:scheme_list") in login("unit_a").get("/").content.decode()
    assert reverse("assessment:scheme_list") not in login("member_a").get("/").content.decode()


def test_indicator_is_scheme_detail_scoped_and_listed(login, world):
    scheme = make_scheme(world)
    assert Indicator.objects.restrict(world.users["unit_a"], "view").count() == 2
    assert Indicator.objects.restrict(world.users["unit_a"], "change").count() == 0
    assert login("unit_a").get(scheme.get_absolute_url()).status_code == 200


def test_removing_an_indicator_from_a_scheme_in_use_makes_a_new_version(login, world, frozen):
    scheme = frozen.scheme
    manual = scheme.indicators.get(kind="manual")
    client = login("office")
    assert login("unit_a").post(
        reverse("assessment:indicator_delete", args=[manual.pk])
    ).status_code in (403, 404)
    client = login("office")
    response = client.post(reverse("assessment:indicator_delete", args=[manual.pk]))
    new = Scheme.objects.get(name=scheme.name, version=2)
    assert response["Location"] == new.get_absolute_url()
    assert [i.name for i in new.indicators.all()] == ["走访频次"]
    assert scheme.indicators.count() == 2  # the version in use keeps its lines
    draft = make_scheme(world, name="草稿")  # not in use: changed in place
    client.post(
        reverse("assessment:indicator_delete", args=[draft.indicators.get(kind="manual").pk])
    )
    assert draft.indicators.count() == 1
