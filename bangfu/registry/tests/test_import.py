"""Importing the registry layout: normalisation, every error kind, all-or-nothing, round trip,
idempotence and scope."""

import csv
import datetime
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from bangfu.core.imports import Layout
from bangfu.core.models import Job, ObjectChange
from bangfu.registry import idnumber, services
from bangfu.registry.models import Household, HouseholdIncome, Person

LAYOUT = Layout.registry["households"]
HEADERS = [
    "户编号",
    "所在村代码",
    "所在村",
    "贫困户属性",
    "识别年度",
    "主要致贫原因",
    "其他致贫原因",
    "不愁吃",
    "脱贫状态",
    "姓名",
    "身份证号码",
    "与户主关系",
    "性别",
    "出生日期",
    "健康状况",
    "劳动能力",
]


def ident(seq, born=datetime.date(1961, 4, 2), sex="M", county="520524"):
    return idnumber.make(county, born, seq, sex)


def row(
    number="5205241162140101",
    village="520524116214",
    name="谭世远",
    id_number=None,
    relation="户主",
    **extra,
):
    values = {
        "户编号": number,
        "所在村代码": village,
        "所在村": "宝山村",
        "贫困户属性": "一般贫困户",
        "识别年度": 2014,
        "主要致贫原因": "因病",
        "其他致贫原因": "缺资金、缺技术",
        "不愁吃": "是",
        "脱贫状态": "未脱贫",
        "姓名": name,
        "身份证号码": ident(101) if id_number is None else id_number,
        "与户主关系": relation,
        "性别": "",
        "出生日期": "",
        "健康状况": "健康",
        "劳动能力": "普通劳动力",
    }
    values.update(extra)
    return values


def xlsx(tmp_path, rows, headers=HEADERS, before=(), name="in.xlsx"):
    """An .xlsx written by openpyxl (not our writer), with optional rows above the header."""
    book = openpyxl.Workbook()
    sheet = book.active
    for extra in before:
        sheet.append(extra)
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h, "") for h in headers])
    path = tmp_path / name
    book.save(path)
    return path


def run(path, user, commit=True):
    return LAYOUT.run(path, user, commit=commit)


def reasons(result):
    return [(p.row, p.column, p.reason) for p in result.problems]


def test_a_new_household_with_its_people_is_imported(tmp_path, world):
    son = ident(102, datetime.date(1990, 1, 9))
    path = xlsx(tmp_path, [row(), row(name="谭小", id_number=son, relation="之子")])
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    assert result.committed
    household = Household.objects.get(number="5205241162140101")
    assert household.head_name == "谭世远"
    assert household.county_code == "520524"
    assert household.other_causes == ["lack_funds", "lack_skills"]
    assert household.food_ok is True
    person = household.people.get(name="谭小")
    assert (person.sex, person.birth_date, person.county_code) == (
        "M",
        datetime.date(1990, 1, 9),
        "520524",
    )
    assert result.created == {"贫困户": 1, "家庭成员": 2}
    assert ObjectChange.objects.filter(
        object_id__lte=person.pk,
        last_object_id__gte=person.pk,
        action="create",
        user=world.users["office"],
    ).exists()


def test_real_file_values_are_normalised(tmp_path, world):
    number = ident(103, sex="F")
    fullwidth = (
        number[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        + number[17].lower()
    )
    rows = [
        row(
            number=" 5205241162140102 ",
            name=" 罗  英 ",
            id_number=fullwidth,
            relation="户主",
            识别年度=2014.0,
            出生日期="1961年4月2日",
            性别="女",
            贫困户属性="一般贫困户 ",
        )
    ]
    # A title row above and a header merged over two rows ("户编号" written in the upper cell).
    headers = [h if h != "户编号" else None for h in HEADERS]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2016年宝山村建档立卡贫困户花名册"])
    sheet.append(["户编号"] + [None] * (len(HEADERS) - 1))
    sheet.append(headers)
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    for values in rows:
        sheet.append([values.get(h, "") for h in HEADERS])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    person = Person.objects.get(id_number=number)
    assert person.name == "罗 英"
    assert person.household.number == "5205241162140102"
    assert person.birth_date == datetime.date(1961, 4, 2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-03-01", datetime.date(2016, 3, 1)),
        ("2016/3/1", datetime.date(2016, 3, 1)),
        ("2016.3.1", datetime.date(2016, 3, 1)),
        ("20160301", datetime.date(2016, 3, 1)),
        (42430, datetime.date(2016, 3, 1)),
        (42430.0, datetime.date(2016, 3, 1)),
        (datetime.datetime(2016, 3, 1, 8, 30), datetime.date(2016, 3, 1)),
    ],
)
def test_dates_as_text_serial_numbers_or_date_cells(value, expected):
    from bangfu.core.normalize import date

    assert date(value) == expected


def test_an_id_number_stored_as_a_number_is_refused_with_how_to_fix(tmp_path, world):
    path = xlsx(tmp_path, [row(id_number=5.201021990030712e17)])
    result = run(path, world.users["office"])
    (problem,) = result.problems
    assert (problem.row, problem.column) == (2, "身份证号码")
    assert "存成了数字" in problem.reason and "文本" in problem.reason
    assert problem.value == "5.201021990030712e+17"
    assert not Household.objects.filter(number="5205241162140101").exists()


def test_every_bad_cell_is_listed_with_row_column_value_and_reason(tmp_path, world):
    good = ident(104)
    rows = [
        row(number="5205241162140103", id_number=good[:17] + ("0" if good[17] != "0" else "1")),
        row(number="5205241162140104", village="520524116999", id_number=ident(105)),
        row(number="5205241162140105", id_number=ident(106), 贫困户属性="很穷"),
        row(number="5205241162140106", id_number=ident(107), 识别年度="二〇一四"),
        row(number="5205241162140107", id_number=ident(108), 出生日期="1961-04-03"),
        row(number="5205241162140108", id_number=ident(109), 性别="女"),
        row(number="5205241162140109", id_number=ident(110), 姓名=""),
    ]
    result = run(xlsx(tmp_path, rows), world.users["office"])
    found = {(p.row, p.column): p for p in result.problems}
    assert "校验位错误" in found[(2, "身份证号码")].reason
    assert "找不到这个村" in found[(3, "所在村代码")].reason
    assert (
        found[(4, "贫困户属性")].value == "很穷" and "不是可选值" in found[(4, "贫困户属性")].reason
    )
    assert "应为整数" in found[(5, "识别年度")].reason
    assert "1961-04-02" in found[(6, "出生日期")].reason
    assert "男" in found[(7, "性别")].reason
    assert "必填" in found[(8, "姓名")].reason
    assert Household.objects.count() == 2  # the world's, nothing new


def test_rows_of_one_household_must_agree_and_ids_must_not_repeat(tmp_path, world):
    rows = [
        row(),
        row(name="谭二", id_number=ident(111), relation="之子", 主要致贫原因="因学"),
        row(name="谭三", id_number=ident(101), relation="之女"),
    ]
    result = run(xlsx(tmp_path, rows), world.users["office"])
    assert (3, "主要致贫原因") in {(p.row, p.column) for p in result.problems}
    assert any(p.row == 4 and "与第2行的身份证号码重复" in p.reason for p in result.problems)


def test_an_id_already_registered_in_another_household_is_refused(tmp_path, world):
    result = run(xlsx(tmp_path, [row(id_number=world.person_a.id_number)]), world.users["office"])
    assert any(world.household_a.number in p.reason for p in result.problems)


def test_a_household_needs_exactly_one_head(tmp_path, world):
    rows = [
        row(relation="之子"),
        row(number="5205241162140110", id_number=ident(112)),
        row(number="5205241162140110", name="二号", id_number=ident(113)),
    ]
    result = run(xlsx(tmp_path, rows), world.users["office"])
    heads = [p for p in result.problems if "户主" in p.reason]
    assert [p.row for p in heads] == [2, 3]


def test_a_missing_required_column_is_named(tmp_path, world):
    headers = [h for h in HEADERS if h != "与户主关系"]
    result = run(xlsx(tmp_path, [row()], headers=headers), world.users["office"])
    assert "与户主关系" in result.problems[0].reason


def test_a_bad_row_in_the_last_batch_leaves_nothing_written(tmp_path, world, monkeypatch):
    monkeypatch.setattr(LAYOUT, "batch_size", 2)
    rows = [row(number=f"52052411621401{i:02d}", id_number=ident(120 + i)) for i in range(6)]
    rows[-1]["贫困户属性"] = "不存在"
    before = (Household.objects.count(), Person.objects.count(), ObjectChange.objects.count())
    result = run(xlsx(tmp_path, rows), world.users["office"])
    assert result.problem_count == 1 and not result.committed
    assert (
        Household.objects.count(),
        Person.objects.count(),
        ObjectChange.objects.count(),
    ) == before


def test_a_household_split_across_batches_or_met_again_later_stays_one(
    tmp_path, world, monkeypatch
):
    """Batches of two: a household's rows run over into the next batch (written behind
    while that batch is checked), and one row comes back after another household's."""
    monkeypatch.setattr(LAYOUT, "batch_size", 2)
    a, b = "5205241162140131", "5205241162140132"
    rows = [
        row(number=a, name="甲一", id_number=ident(131)),
        row(number=a, name="甲二", id_number=ident(132), relation="之子"),
        row(number=a, name="甲三", id_number=ident(133), relation="之子"),
        row(number=b, name="乙一", id_number=ident(134)),
        row(number=b, name="乙二", id_number=ident(135), relation="之子"),
        row(number=a, name="甲四", id_number=ident(136), relation="之子"),
    ]
    result = run(xlsx(tmp_path, rows), world.users["office"])
    assert result.committed, [p.reason for p in result.problems]
    assert result.created == {"贫困户": 2, "家庭成员": 6}
    names = Person.objects.filter(household__number=a).order_by("name")
    assert list(names.values_list("name", flat=True)) == ["甲一", "甲三", "甲二", "甲四"]
    assert Household.objects.get(number=b).people.count() == 2
    assert Household.objects.get(number=a).head_name == "甲一"


def test_a_later_batch_checks_ids_against_earlier_batches_and_the_database(
    tmp_path, world, monkeypatch
):
    monkeypatch.setattr(LAYOUT, "batch_size", 2)
    rows = [
        row(number="5205241162140141", id_number=ident(141)),
        row(number="5205241162140142", id_number=ident(142)),
        row(number="5205241162140143", id_number=ident(141)),
        row(number="5205241162140144", id_number=world.person_a.id_number),
    ]
    result = run(xlsx(tmp_path, rows), world.users["office"])
    reasons = [(p.row, p.reason) for p in result.problems]
    assert (4, "与第2行的身份证号码重复。") in reasons
    assert any(r == 5 and world.household_a.number in reason for r, reason in reasons)
    assert not Household.objects.filter(number__startswith="52052411621401").exists()


def test_a_dry_run_reports_without_writing(tmp_path, world):
    result = run(xlsx(tmp_path, [row()]), world.users["office"], commit=False)
    assert result.created == {"贫困户": 1, "家庭成员": 1}
    assert not result.committed
    assert not Household.objects.filter(number="5205241162140101").exists()


def test_reimport_updates_by_natural_key_instead_of_duplicating(tmp_path, world):
    office = world.users["office"]
    path = xlsx(tmp_path, [row(), row(name="谭小", id_number=ident(102), relation="之子")])
    run(path, office)
    again = run(path, office)
    assert again.created == {"贫困户": 0, "家庭成员": 0}
    assert again.updated == {"贫困户": 0, "家庭成员": 0}
    assert again.unchanged == {"贫困户": 1, "家庭成员": 2}
    changed = xlsx(
        tmp_path,
        [
            row(主要致贫原因="因残"),
            row(
                name="谭小",
                id_number=ident(102),
                relation="之子",
                主要致贫原因="因残",
                健康状况="残疾",
            ),
        ],
        name="changed.xlsx",
    )
    result = run(changed, office)
    assert result.updated == {"贫困户": 1, "家庭成员": 1}
    assert Household.objects.get(number="5205241162140101").main_cause == "disability"
    assert Person.objects.filter(household__number="5205241162140101").count() == 2


def test_export_then_import_changes_nothing(tmp_path, login, world):
    client = login("office")
    response = client.get(reverse("registry:household_list"), {"_export": "xlsx"})
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]][:2] == ["户编号", "所在村代码"]
    assert sheet.max_row == 3  # the header and one person per world household
    changes = ObjectChange.objects.count()
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    assert result.unchanged == {"贫困户": 2, "家庭成员": 2}
    assert result.created == {"贫困户": 0, "家庭成员": 0}
    assert ObjectChange.objects.count() == changes


def test_export_masks_ids_and_a_masked_file_imports_without_losing_them(tmp_path, login, world):
    response = login("unit_a").get(reverse("registry:household_list"), {"_export": "xlsx"})
    path = tmp_path / "masked.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    cells = [c.value for c in openpyxl.load_workbook(path).active[2]]
    assert world.person_a.id_number not in cells
    assert any(isinstance(v, str) and "****" in v for v in cells)


def test_csv_export_filters_like_the_list(login, world):
    response = login("office").get(
        reverse("registry:household_list"), {"_export": "csv", "region": "5227"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "户编号"
    assert [r[0] for r in rows[1:]] == [world.household_b.number]


def test_a_csv_saved_by_chinese_excel_in_gb18030_imports(tmp_path, world):
    path = tmp_path / "gbk.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerow(row())
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    assert Household.objects.get(number="5205241162140101").head_name == "谭世远"


def test_a_village_team_imports_only_into_its_village(tmp_path, world):
    rows = [
        row(),
        row(
            number="5227231022000102",
            village=world.lebang.code,
            id_number=ident(130, county="522723"),
        ),
    ]
    result = run(xlsx(tmp_path, rows), world.users["village_a"])
    assert [(p.row, p.column) for p in result.problems] == [(3, "所在村代码")]
    assert not result.committed
    # Nor may it change a household of another village through its number.
    other = row(number=world.household_b.number, village=world.baoshan.code, id_number=ident(131))
    result = run(xlsx(tmp_path, [other], name="other.xlsx"), world.users["village_a"])
    assert "不在您的管辖范围" in result.problems[0].reason


def test_upload_dry_run_and_commit_through_the_pages(
    tmp_path, login, world, django_capture_on_commit_callbacks
):
    client = login("village_a")
    page = client.get(reverse("core:import", args=["households"]))
    assert page.status_code == 200
    template = client.get(reverse("core:import_template", args=["households"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert book.sheetnames == ["registry", "填写说明"]
    assert [c.value for c in book["registry"][1]][:3] == ["户编号", "所在村代码", "所在村"]
    path = xlsx(tmp_path, [row()])
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:import", args=["households"]), {"file": f})
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("core:job", args=[job.pk])
    page = client.get(response["Location"])
    assert 'data-testid="job-checked"' in page.content.decode()
    assert not Household.objects.filter(number="5205241162140101").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:job_commit", args=[job.pk]))
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="job-committed"' in page
    assert Household.objects.filter(number="5205241162140101").exists()


def test_other_users_cannot_see_a_job_or_import_without_permission(login, world, tmp_path):
    client = login("village_a")
    path = xlsx(tmp_path, [row()])
    with path.open("rb") as f:
        client.post(reverse("core:import", args=["households"]), {"file": f})
    job = Job.objects.latest("pk")
    assert login("office").get(reverse("core:job", args=[job.pk])).status_code == 404
    assert login("viewer").get(reverse("core:import", args=["households"])).status_code == 403


def test_uploads_of_other_types_are_refused(login, world):
    client = login("village_a")
    upload = io.BytesIO(b"MZ\x90\x00")
    upload.name = "virus.exe"
    response = client.post(reverse("core:import", args=["households"]), {"file": upload})
    assert "类型不允许,只能上传.xlsx、.csv文件" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.libreoffice
def test_an_xlsx_written_by_libreoffice_imports(tmp_path, world):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed: apt-get install libreoffice-calc-nogui (.ci/run does)"
    source = tmp_path / "lo.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerow(row(识别年度=2015))
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--infilter=CSV:44,34,76,1,1/2/2/2/3/1/4/1/5/1/6/1/7/1/8/1/9/1/10/1/11/2",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    path = Path(tmp_path / "lo.xlsx")
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    assert Household.objects.get(number="5205241162140101").identified_year == 2015


def test_a_file_exported_in_english_imports_in_chinese(tmp_path, world):
    from django.utils import translation

    from bangfu.core.spreadsheets import write_xlsx

    path = tmp_path / "english.xlsx"
    with translation.override("en"):
        write_xlsx(str(path), LAYOUT.export_sheets(Household.objects.all(), world.users["office"]))
    assert openpyxl.load_workbook(path).active["A1"].value == "Household number"
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    assert result.unchanged == {"贫困户": 2, "家庭成员": 2}


def test_each_imported_objects_history_shows_its_creation_with_its_values(tmp_path, world, login):
    """An import logs one entry per run of new ids, not one per row; each household's page
    still shows itself and each member created, by whom, with the values they were created
    with, also after a later change."""
    from bangfu.core.changelog import serialize_instance
    from bangfu.core.views import history_for

    son = ident(102, datetime.date(1990, 1, 9))
    area = "住房面积(平方米)"
    rows = [
        row(**{area: 80.5}),
        row(name="谭小", id_number=son, relation="之子", **{area: 80.5}),
        row(number="5205241162140102", name="谭二", id_number=ident(104), relation="户主"),
    ]
    path = xlsx(tmp_path, rows, headers=[*HEADERS, area])
    entries = ObjectChange.objects.count()
    result = run(path, world.users["office"])
    assert result.problem_count == 0, reasons(result)
    assert result.created == {"贫困户": 2, "家庭成员": 3}
    assert ObjectChange.objects.count() == entries + 2  # households, people: one run each
    household = Household.objects.get(number="5205241162140101")
    created = {obj: serialize_instance(obj) for obj in [household, *household.people.all()]}
    son_person = household.people.get(name="谭小")
    son_person.name = "谭小明"
    son_person.save()
    history = history_for(household)
    creations = {(type(c.changed_object), c.object_id): c for c in history if c.action == "create"}
    assert set(creations) == {(type(obj), obj.pk) for obj in created}
    for obj, values in created.items():
        change = creations[(type(obj), obj.pk)]
        assert change.user == world.users["office"]
        assert change.postchange_data == values  # 谭小 as imported, not as renamed
    assert creations[(Person, son_person.pk)].object_repr == "谭小明"  # named as now
    assert creations[(Household, household.pk)].object_repr == str(household)
    page = login("office").get(reverse("registry:household_detail", args=[household.pk]))
    shown = {
        (c.action, c.object_repr): dict((str(f), a) for f, _b, a in diff)
        for c, diff in page.context["history"]
    }
    assert len(page.context["history"]) == 4  # three creations and the rename
    assert shown[("create", "谭小明")]["姓名"] == "谭小"
    assert shown[("create", str(household))]["户主姓名"] == "谭世远"
    assert 'data-testid="change"' in page.content.decode()
    assert [c.action for c in history].count("update") == 1
    other = Household.objects.get(number="5205241162140102")
    assert "谭世远" not in {c.object_repr for c in history_for(other)}


def test_the_vectorised_id_check_agrees_with_parse():
    import random

    rng = random.Random(7)
    numbers = []
    for _ in range(3000):
        born = datetime.date(rng.randint(1890, 2020), rng.randint(1, 12), rng.randint(1, 28))
        number = idnumber.make(rng.choice(["520524", "522427", "520102", "999999"]), born, 5, "F")
        cut = rng.randrange(18)
        kind = rng.random()
        if kind < 0.3:
            number = number[:cut] + rng.choice("0123456789X") + number[cut + 1 :]
        elif kind < 0.35:
            number = number[:cut]
        elif kind < 0.4:
            number = number[:10] + rng.choice(["13", "00", "02"]) + number[12:]
        elif kind < 0.45:
            number = number[:12] + rng.choice(["30", "31", "00", "29"]) + number[14:]
        numbers.append(number)
    numbers += ["52052419610402081Ｘ", "5205241961040208１2", "", "52052420990101081X"]
    expected = [idnumber.is_valid(n) for n in numbers]
    assert idnumber.valid_many(numbers) == expected
    assert 500 < sum(expected) < len(numbers) - 500  # both kinds well represented


def test_ids_registered_elsewhere_are_named_with_a_fixed_number_of_queries(tmp_path, world):
    """Each refused row names the household, but the queries do not grow with the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    registered = list(Person.objects.values_list("id_number", flat=True))
    assert len(registered) == 2

    def queries(ids):
        rows = [row(number=f"52052411621401{60 + i}", id_number=n) for i, n in enumerate(ids)]
        with CaptureQueriesContext(connection) as captured:
            result = run(xlsx(tmp_path, rows, name=f"r{len(ids)}.xlsx"), world.users["office"])
        named = [p.reason for p in result.problems if "已登记在" in p.reason]
        assert len(named) == len(ids)
        return len(captured)

    queries(registered[:1])  # caches (content types, scopes) filled
    assert queries(registered[:1]) == queries(registered)


# --- What a file carries beyond the layout (issue 14) --------------------------------------


def test_unknown_columns_are_named_in_the_dry_run_before_anything_is_written(
    tmp_path, world, login, django_capture_on_commit_callbacks
):
    headers = [*HEADERS, "备注", "帮扶责任人"]
    path = xlsx(tmp_path, [row(备注="老户", 帮扶责任人="王书记")], headers=headers)
    result = run(path, world.users["office"], commit=False)
    assert result.ignored_columns == ["备注", "帮扶责任人"]
    assert result.as_dict()["ignored_columns"] == ["备注", "帮扶责任人"]
    client = login("office")
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:import", args=["households"]), {"file": f})
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="job-ignored-columns"' in page
    assert "备注" in page and "帮扶责任人" in page
    assert 'data-testid="commit"' in page  # ignoring is said, not refused


def test_the_csv_reader_names_unknown_columns_too(tmp_path, world):
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*HEADERS, "备注"])
        writer.writerow([row()[h] for h in HEADERS] + ["x"])
    result = run(path, world.users["office"], commit=False)
    assert result.ignored_columns == ["备注"] and not result.problem_count


def test_per_head_income_is_taken_as_the_households_income_for_the_year(tmp_path, world):
    son = ident(102, datetime.date(1990, 1, 9))
    headers = [*HEADERS, "人均纯收入", "收入年度"]
    rows = [
        row(人均纯收入=3600, 收入年度=2016),
        row(name="谭小", id_number=son, relation="之子", 人均纯收入=3600, 收入年度=2016),
    ]
    result = run(xlsx(tmp_path, rows, headers=headers), world.users["office"])
    assert result.committed and result.ignored_columns == []
    income = HouseholdIncome.objects.get(household__number="5205241162140101")
    assert (income.year, income.total) == (2016, Decimal("7200.00"))
    assert services.exit_review(income.household, 2016).per_head == Decimal("3600.00")


def test_per_head_income_without_a_year_is_the_import_years(tmp_path, world):
    headers = [*HEADERS, "人均纯收入"]
    run(xlsx(tmp_path, [row(人均纯收入="2800.5")], headers=headers), world.users["office"])
    income = HouseholdIncome.objects.get(household__number="5205241162140101")
    assert (income.year, income.total) == (datetime.date.today().year, Decimal("2800.50"))


def test_rows_of_one_household_must_agree_on_its_income(tmp_path, world):
    son = ident(102, datetime.date(1990, 1, 9))
    headers = [*HEADERS, "人均纯收入"]
    rows = [
        row(人均纯收入=3600),
        row(name="谭小", id_number=son, relation="之子", 人均纯收入=3000),
    ]
    result = run(xlsx(tmp_path, rows, headers=headers), world.users["office"])
    assert (3, "人均纯收入") in [(p.row, p.column) for p in result.problems]
    assert not HouseholdIncome.objects.filter(household__number="5205241162140101").exists()


def test_a_file_without_the_identification_year_takes_the_import_year(tmp_path, world):
    headers = [h for h in HEADERS if h != "识别年度"]
    result = run(xlsx(tmp_path, [row()], headers=headers), world.users["office"], commit=False)
    assert not result.problem_count
    assert any("识别年度" in note for note in result.notes)
    run(xlsx(tmp_path, [row()], headers=headers, name="again.xlsx"), world.users["office"])
    household = Household.objects.get(number="5205241162140101")
    assert household.identified_year == datetime.date.today().year
    # Imported again without the column, a household keeps the year it has.
    Household.objects.filter(pk=household.pk).update(identified_year=2014)
    run(xlsx(tmp_path, [row()], headers=headers, name="third.xlsx"), world.users["office"])
    household.refresh_from_db()
    assert household.identified_year == 2014


def test_an_impossible_income_or_income_year_is_refused_with_its_column(tmp_path, world):
    headers = [*HEADERS, "人均纯收入", "收入年度"]
    rows = [
        row(人均纯收入=-5, 收入年度=2016),
        row(number="5205241162140102", id_number=ident(103), 人均纯收入=3000, 收入年度=20160),
    ]
    result = run(xlsx(tmp_path, rows, headers=headers), world.users["office"])
    assert [(p.row, p.column) for p in result.problems] == [(2, "人均纯收入"), (3, "收入年度")]
    assert not result.committed and not HouseholdIncome.objects.exists()
