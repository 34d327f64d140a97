"""Every figure, on random scenarios: the figure, its drill-down list and a hand count agree."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.dashboard.figures import ALL_FIGURES, BY_KEY, FIGURE_KEYS, FigureSlice, compute_all
from bangfu.dashboard.tests.scenarios import Slice, expected, mutate, populate

KEYS = [f.key for f in ALL_FIGURES]


def _slices(world):
    """(FigureSlice kwargs, query string for the page, hand-count slice) for a few slices."""
    may, sep = datetime.date(2016, 5, 1), datetime.date(2016, 9, 30)
    return [
        ({}, {}, Slice(world)),
        ({"region_prefix": "5205"}, {"region": "5205"}, Slice(world, prefix="5205")),
        (
            {"region_prefix": "522723102"},
            {"region": "522723102000"},
            Slice(world, prefix="522723102"),
        ),
        ({"unit_id": world.unit_b.pk}, {"unit": world.unit_b.pk}, Slice(world, unit=world.unit_b)),
        (
            {"unit_id": world.unit_a.pk, "branch_id": world.branch_a.pk},
            {"unit": world.unit_a.pk, "branch": world.branch_a.pk},
            Slice(world, unit=world.unit_a, branch=world.branch_a),
        ),
        (
            {"date_from": may, "date_to": sep},
            {"date_from": "2016-05-01", "date_to": "2016-09-30"},
            Slice(world, start=may, end=sep),
        ),
        (
            {"date_from": datetime.date(2016, 4, 15), "date_to": datetime.date(2016, 8, 10)},
            {"date_from": "2016-04-15", "date_to": "2016-08-10"},
            Slice(world, start=datetime.date(2016, 4, 15), end=datetime.date(2016, 8, 10)),
        ),
        (
            {"date_from": datetime.date(2016, 6, 3), "date_to": datetime.date(2016, 6, 20)},
            {"date_from": "2016-06-03", "date_to": "2016-06-20"},
            Slice(world, start=datetime.date(2016, 6, 3), end=datetime.date(2016, 6, 20)),
        ),
        (
            {"region_prefix": "5227", "date_from": may},
            {"region": "5227", "date_from": "2016-05-01"},
            Slice(world, prefix="5227", start=may),
        ),
    ]


def _listed_value(figure, response) -> int | Decimal:
    """The figure as the drill-down page lists it: its rows counted, or their column summed."""
    table = response.context["table"]
    rows = list(table.data)
    assert response.context["rows"] == len(rows)
    if figure.ratio:
        top = sum(getattr(r, figure.ratio[0]) for r in rows)
        bottom = sum(getattr(r, figure.ratio[1]) for r in rows)
        return (Decimal(top) * 100 / Decimal(bottom)).quantize(Decimal("0.01")) if bottom else 0
    if figure.total:
        return sum((getattr(r, figure.total) for r in rows), 0)
    return len(rows)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_figure_equals_its_records_and_a_hand_count(world, login, seed):
    populate(world, seed)
    client = login("office")
    checked = 0
    for kwargs, query, hand in _slices(world):
        slice_ = FigureSlice(world.campaign, **kwargs)
        page = compute_all(slice_)  # what the dashboard shows (problem counts in one query)
        for figure in ALL_FIGURES:
            value = figure.value(slice_)
            assert value == expected(world, figure.key, hand), (figure.key, kwargs)
            assert page[figure.key] == value, (figure.key, kwargs)
            assert value == figure.value(FigureSlice(world.campaign, tallies=False, **kwargs)), (
                figure.key,
                kwargs,
            )
            response = client.get(
                reverse("dashboard:figure", args=[figure.key]), {**query, "per_page": 100}
            )
            assert response.status_code == 200
            assert _listed_value(figure, response) == value, (figure.key, kwargs)
            assert response.context["total"] == value
            checked += 1
    assert checked == len(KEYS) * 9


@pytest.mark.parametrize("seed", [4])
def test_figures_stay_equal_to_a_hand_count_after_edits_deletes_and_reviews(world, seed):
    populate(world, seed)
    mutate(world, seed)
    for kwargs, _query, hand in _slices(world)[:4]:
        slice_ = FigureSlice(world.campaign, **kwargs)
        for key in KEYS:
            assert BY_KEY[key].value(slice_) == expected(world, key, hand), (key, kwargs)
    world.campaign.count_submitted = True
    world.campaign.save()
    for key in KEYS:
        assert BY_KEY[key].value(FigureSlice(world.campaign)) == expected(world, key, Slice(world))


@pytest.mark.parametrize("user", ["unit_a", "branch_a", "viewer_bijie", "village_a"])
def test_users_see_their_own_slice_of_every_figure(world, login, user):
    populate(world, 6)
    client = login(user)
    account = world.users[user]
    for figure in ALL_FIGURES:
        value = figure.value(FigureSlice(world.campaign, user=account))
        assert value == expected(world, figure.key, Slice(world, user=user)), figure.key
        response = client.get(reverse("dashboard:figure", args=[figure.key]), {"per_page": 100})
        assert _listed_value(figure, response) == value, figure.key


def test_unit_asking_for_another_unit_gets_nothing_of_it(world, login):
    """A crafted URL naming unit B shows unit A's committee none of unit B's records."""
    populate(world, 7)
    unit_a = world.users["unit_a"]
    crafted = FigureSlice(world.campaign, unit_id=world.unit_b.pk, user=unit_a)
    own_slice = FigureSlice(world.campaign, user=unit_a)
    for figure in ALL_FIGURES:
        records = set(figure.records(crafted).values_list("pk", flat=True))
        assert records <= set(figure.records(own_slice).values_list("pk", flat=True))
        if figure.group != "registry":  # unit B's own pairings and ledger: none of them
            assert not records, figure.key
    client = login("unit_a")
    page = client.get(reverse("dashboard:index"), {"unit": world.unit_b.pk})
    assert page.context["form"].errors["unit"]  # not a choice for unit A
    own = {f.key: f.value(FigureSlice(world.campaign, user=unit_a)) for f in ALL_FIGURES}
    shown = {f.key: v for f, v, _url in page.context["cards"] + page.context["more_cards"]}
    assert shown == own
    for figure in ALL_FIGURES:
        response = client.get(
            reverse("dashboard:figure", args=[figure.key]),
            {"unit": world.unit_b.pk, "per_page": 100},
        )
        listed = {r.pk for r in response.context["table"].data}
        theirs = set(
            figure.records(FigureSlice(world.campaign, unit_id=world.unit_b.pk)).values_list(
                "pk", flat=True
            )
        )
        mine = set(
            figure.records(FigureSlice(world.campaign, user=unit_a)).values_list("pk", flat=True)
        )
        assert listed <= mine, figure.key
        assert not (listed & (theirs - mine)), figure.key
    # A region outside a viewer's scope is refused as well, and shows only their own.
    response = login("viewer_bijie").get(reverse("dashboard:index"), {"region": "5227"})
    assert response.context["form"].errors["region"]
    values = {f.key: v for f, v, _url in response.context["cards"]}
    assert values["villages_paired"] == expected(
        world, "villages_paired", Slice(world, user="viewer_bijie")
    )


def test_headline_keys_are_the_seed_reports(world):
    assert FIGURE_KEYS == [
        "units",
        "branches_paired",
        "villages_paired",
        "secretaries",
        "households_helped",
        "cadres_stayed",
        "expert_visits",
        "member_visits",
        "problems_solved",
        "policy_supports",
        "tech_service_persons",
        "dev_ideas",
        "projects",
        "funds_yuan",
    ]


def test_dashboard_links_every_figure_to_its_records_with_the_slice(world, login):
    response = login("office").get(
        reverse("dashboard:index"), {"region": "5205", "date_from": "2016-04-01"}
    )
    body = response.content.decode()
    for figure in ALL_FIGURES:
        url = reverse("dashboard:figure", args=[figure.key])
        assert f'href="{url}?region=5205&amp;date_from=2016-04-01"' in body, figure.key
    page = login("office").get(
        reverse("dashboard:figure", args=["villages_paired"]), {"region": "5205"}
    )
    assert "毕节市 · 市州" in page.content.decode()
    assert [r.name for r in page.context["table"].data] == ["宝山村"]
    export = login("office").get(
        reverse("dashboard:figure", args=["villages_paired"]), {"region": "5205", "_export": "xlsx"}
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_region_tree_and_search_stay_within_scope(world, login):
    options = login("viewer_bijie").get(reverse("dashboard:region_search"), {"q": "县"})
    text = options.content.decode()
    assert "520524000000" in text and "贵定县" not in text
    options = login("office").get(reverse("dashboard:region_search"), {"q": "5227"})
    assert "黔南布依族苗族自治州 · 市州" in options.content.decode()
    page = login("office").get(reverse("dashboard:index"), {"region": "5205"})
    assert [r.name for r in page.context["region_path"]] == ["贵州省", "毕节市"]
    assert [r.name for r in page.context["region_children"]] == ["织金县"]
    unit_page = login("unit_a").get(reverse("dashboard:index"))
    assert [r.name for r in unit_page.context["region_children"]] == ["贵州省"]
    unit_options = login("unit_a").get(reverse("dashboard:region_search"), {"q": "村"})
    assert "宝山村" in unit_options.content.decode()
    assert "乐邦村" not in unit_options.content.decode()


def test_branch_must_belong_to_the_unit(world, login):
    response = login("office").get(
        reverse("dashboard:index"), {"unit": world.unit_a.pk, "branch": world.branch_b.pk}
    )
    assert response.context["form"].errors["branch"]
