"""Exporting the registry layout: the cells are today's (labels, masks, blank person columns,
text kept as text), whatever reads them back (our importer's reader, LibreOffice)."""

import csv
import datetime
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from bangfu.core.imports import Layout
from bangfu.core.personal import can_see_personal_data, mask
from bangfu.core.spreadsheets import read_rows, write_xlsx
from bangfu.registry import idnumber
from bangfu.registry.layouts import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, PERSONAL
from bangfu.registry.models import Household, Person

LAYOUT = Layout.registry["households"]


def expected_rows(households, user):
    """The export as it was written before it read plain tuples: model instances, one
    `Column.writer` call per cell, personal columns masked without the right to see them."""
    reveal = can_see_personal_data(user)

    def cells(obj, columns):
        out = []
        for column in columns:
            if column.field == "village":
                out.append(obj.village.code)
            elif column.field == "village_name":
                out.append(obj.village.name)
            elif column.field in PERSONAL and not reveal:
                value = getattr(obj, column.field)
                out.append(mask(value, column.field) if value else "")
            else:
                out.append(column.writer()(getattr(obj, column.field)))
        return out

    rows = []
    for household in households.select_related("village").order_by("number"):
        head = cells(household, HOUSEHOLD_COLUMNS)
        people = list(household.people.order_by("pk"))
        if not people:
            rows.append(head + [""] * len(PERSON_COLUMNS))
        for person in people:
            rows.append(head + cells(person, PERSON_COLUMNS))
    return rows


@pytest.fixture
def registry(world):
    """The world's two households, one with every field filled and three people, and one
    without people."""
    household = world.household_a
    household.other_causes = ["lack_funds", "lack_skills"]
    household.housing = "grade_c"
    household.housing_area = Decimal("80.5")
    household.arable_land = Decimal("2.25")
    household.phone = "13812345678"
    household.bank_account = "6228480012345678901"
    household.food_ok = household.clothing_ok = household.water_ok = True
    household.status = "lifted"
    household.exit_year = 2019
    household.save()
    Person.objects.create(
        household=household,
        county_code="520524",
        name="张小",
        id_number=idnumber.make("520524", datetime.date(2008, 3, 9), 5, "F"),
        relation="daughter",
        sex="F",
        birth_date=datetime.date(2008, 3, 9),
        health="chronic",
        disability="2",
        education="primary",
        schooling="primary",
        labour_ability="none",
        medical_insurance=True,
    )
    Person.objects.create(
        household=household,
        county_code="520524",
        name="张老",
        relation="father",
        labour_ability="lost",
        migrant_work=True,
        migrant_months=7,
    )
    Household.objects.create(
        village=world.baoshan,
        county_code="520524",
        number="5205241162140000",
        attribute="tekun",
        identified_year=2015,
        main_cause="lack_labour",
    )
    return world


@pytest.mark.parametrize("user", ["office", "unit_a"])
def test_the_export_writes_the_same_cells_as_each_object_written_field_by_field(registry, user):
    user = registry.users[user]
    households = Household.objects.restrict(user, "view")
    rows = [list(r) for r in LAYOUT.export_rows(households, user)]
    assert rows == expected_rows(households, user)
    people = {r[len(HOUSEHOLD_COLUMNS)]: r[len(HOUSEHOLD_COLUMNS) :] for r in rows}
    born = "2008-03-09" if can_see_personal_data(user) else "2008-**-**"  # the year only
    assert people["张小"][2:9] == ["之女", "女", born, "长期慢性病", "二级", "小学", "小学"]
    assert people["张老"][1:5] == ["", "之父", "", ""]  # no ID number, sex or birth date
    assert people["张老"][10:12] == ["是", 7]
    empty = [r for r in rows if r[0] == "5205241162140000"]
    assert empty == [empty[0][: len(HOUSEHOLD_COLUMNS)] + [""] * len(PERSON_COLUMNS)]
    head = next(r for r in rows if r[0] == registry.household_a.number)
    assert head[6:10] == ["缺资金、缺技术", "C级危房", 80.5, 2.25]
    assert head[18:20] == ["已脱贫", 2019]


def test_the_export_masks_personal_columns_without_the_right(registry):
    rows = list(LAYOUT.export_rows(Household.objects.all(), registry.users["unit_a"]))
    person_a = next(r for r in rows if r[len(HOUSEHOLD_COLUMNS)] == "张龙")
    assert person_a[10] == "138****5678"
    assert person_a[len(HOUSEHOLD_COLUMNS) + 1] == mask(registry.person_a.id_number)
    assert registry.person_a.id_number not in person_a


def test_the_list_export_ignores_the_lists_people_count(registry):
    """The list annotates a people count (a join on every person): the export still has one
    row per person, not one per person per person."""
    from bangfu.registry.views import HouseholdListView

    office = registry.users["office"]
    queryset = HouseholdListView.queryset.restrict(office)
    rows = [list(r) for r in LAYOUT.export_rows(queryset, office)]
    assert rows == expected_rows(Household.objects.all(), office)


def test_the_export_follows_the_language_of_the_request(registry):
    office = registry.users["office"]
    with translation.override("en"):
        rows = [list(r) for r in LAYOUT.export_rows(Household.objects.all(), office)]
        assert rows == expected_rows(Household.objects.all(), office)
    assert rows[0][3] == "Extreme-poverty support household"


def read_back(path):
    """The file as the importer reads it (python-calamine-plus)."""
    return [list(r) for r in read_rows(path)]


def as_read(value):
    """A cell value as calamine gives it back: numbers as floats, blanks as ''."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def test_the_xlsx_reads_back_cell_for_cell_with_codes_and_id_numbers_as_text(registry, tmp_path):
    office = registry.users["office"]
    path = tmp_path / "export.xlsx"
    write_xlsx(str(path), LAYOUT.export_sheets(Household.objects.all(), office))
    rows = read_back(path)
    assert rows[0] == LAYOUT.headers()
    expected = [[as_read(v) for v in r] for r in expected_rows(Household.objects.all(), office)]
    assert [r + [""] * (len(rows[0]) - len(r)) for r in rows[1:]] == expected
    ids = [r[len(HOUSEHOLD_COLUMNS) + 1] for r in rows[1:]]
    assert registry.person_a.id_number in ids  # 18 digits, not 5.2052419700501e+17
    assert all(isinstance(r[0], str) and isinstance(r[1], str) for r in rows[1:])

    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet["A1"].value == "户编号"
    assert sheet["A2"].number_format == "@" and sheet["E2"].number_format == "General"
    assert sheet.column_dimensions["A"].width > 10


def test_an_export_without_rows_still_has_its_header(registry, tmp_path):
    path = tmp_path / "empty.xlsx"
    write_xlsx(str(path), LAYOUT.export_sheets(Household.objects.none(), registry.users["office"]))
    assert read_back(path) == [LAYOUT.headers()]


@pytest.mark.libreoffice
def test_libreoffice_opens_the_export_and_sees_the_same_text(registry, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed: apt-get install libreoffice-calc-nogui (.ci/run does)"
    office = registry.users["office"]
    path = tmp_path / "export.xlsx"
    write_xlsx(str(path), LAYOUT.export_sheets(Household.objects.all(), office))
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (tmp_path / "export.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    expected = expected_rows(Household.objects.all(), office)
    assert rows[0] == LAYOUT.headers()
    assert len(rows) == len(expected) + 1
    for seen, want in zip(rows[1:], expected, strict=True):
        texts = [i for i, v in enumerate(want) if isinstance(v, str)]
        assert [seen[i] for i in texts] == [want[i] for i in texts]


def test_the_row_count_is_one_per_person_and_one_per_household_without_people(registry):
    households = Household.objects.all()
    assert LAYOUT.export_row_count(households) == len(expected_rows(households, None))


def test_an_xlsx_longer_than_a_sheet_is_refused_before_writing_and_csv_offered(
    registry, login, monkeypatch
):
    from django.urls import reverse

    from bangfu.core import spreadsheets

    rows = LAYOUT.export_row_count(Household.objects.filter(status="lifted"))
    assert rows < LAYOUT.export_row_count(Household.objects.all())
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_DATA_ROWS", rows - 1)
    written = []
    monkeypatch.setattr(spreadsheets, "write_xlsx", lambda *a: written.append(a))
    client = login("office")
    url = reverse("registry:household_list")
    response = client.get(url, {"status": "lifted", "_export": "xlsx"}, follow=True)
    assert response.redirect_chain == [(f"{url}?status=lifted", 302)]
    assert written == []
    page = response.content.decode()
    assert f"共{rows}行" in page and "导出为CSV" in page
    response = client.get(url, {"_export": "csv"})
    assert response.status_code == 200
    assert len(list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))) > 1
