import datetime

from django.urls import reverse

from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.ledger.models import Activity


def _activity(world, **extra):
    data = {
        "campaign": world.campaign.pk,
        "kind": "service_visit",
        "date": "2016-06-01",
        "branch": world.branch_a.pk,
        "village": world.baoshan.code,
        "participants": [world.member_a.pk, world.secretary_a.pk],
        "summary": "入户走访",
        "days": 0,
        "quantity": 0,
        "amount": "0",
        "solved-TOTAL_FORMS": "0",
        "solved-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_recording_a_visit_with_two_participants_counts_two_person_visits(login, world):
    client = login("unit_a")
    response = client.post(reverse("ledger:activity_add"), _activity(world))
    assert response.status_code == 302
    activity = Activity.objects.latest("pk")
    assert activity.unit == world.unit_a
    assert activity.county_code == "520524"
    assert activity.author == world.users["unit_a"]
    assert activity.participations.count() == 2
    activity.state = "accepted"
    activity.save()
    assert compute_figures(FigureSlice(world.campaign))["member_visits"] == 4


def test_participants_from_another_unit_are_refused(login, world):
    client = login("office")
    response = client.post(
        reverse("ledger:activity_add"),
        _activity(world, participants=[world.member_a.pk, world.secretary_b.pk]),
    )
    assert response.status_code == 200
    assert "陆曙光" in response.context["form"].errors["participants"][0]
    assert not Activity.objects.filter(summary="入户走访").exists()


def test_future_dates_are_refused(login, world):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    response = login("unit_a").post(reverse("ledger:activity_add"), _activity(world, date=tomorrow))
    assert response.status_code == 200
    assert "日期不能晚于今天" in response.context["form"].errors["date"][0]


def test_a_village_outside_scope_cannot_be_chosen(login, world):
    response = login("unit_a").post(
        reverse("ledger:activity_add"), _activity(world, village=world.lebang.code)
    )
    assert response.status_code == 200
    assert "village" in response.context["form"].errors


def test_editing_replaces_participants_and_logs_each(login, world):
    client = login("unit_a")
    url = reverse("ledger:activity_edit", args=[world.activity_a.pk])
    response = client.post(
        url,
        _activity(
            world,
            participants=[world.secretary_a.pk],
            loaded_version=world.activity_a.updated.isoformat(),
        ),
    )
    assert response.status_code == 302
    assert list(world.activity_a.participations.values_list("member", flat=True)) == [
        world.secretary_a.pk
    ]
    page = client.get(reverse("ledger:activity_detail", args=[world.activity_a.pk]))
    actions = [(c.action, c.type_label()) for c, _d in page.context["history"]]
    assert ("delete", "参加人员") in actions
    assert ("create", "参加人员") in actions


def test_a_new_entry_starts_from_the_members_own_branch_and_today(login, world):
    def initial():
        return (
            login("member_a")
            .get(reverse("ledger:activity_add") + "?kind=service_visit")
            .context["form"]
            .initial
        )

    form_initial = initial()
    assert form_initial["branch"] == world.branch_a
    assert form_initial["participants"] == [world.member_a.pk]
    assert form_initial["campaign"] == world.campaign
    # Today, kept within the campaign's period: a date outside it would be refused.
    assert form_initial["date"] == world.campaign.end
    world.campaign.end = datetime.date.today() + datetime.timedelta(days=30)
    world.campaign.save()
    assert initial()["date"] == datetime.date.today()


def test_empty_days_quantity_and_amount_mean_zero(login, world):
    response = login("unit_a").post(
        reverse("ledger:activity_add"), _activity(world, days="", quantity="", amount="")
    )
    assert response.status_code == 302
    activity = Activity.objects.latest("pk")
    assert (activity.days, activity.quantity, activity.amount) == (0, 0, 0)


def test_a_member_cannot_change_accepted_or_other_peoples_entries(login, world):
    client = login("member_a")
    # activity_a is accepted and member_a took part: accepted entries are the committee's.
    assert (
        client.get(reverse("ledger:activity_edit", args=[world.activity_a.pk])).status_code == 404
    )
    other = Activity.objects.create(
        campaign=world.campaign,
        kind="service_visit",
        date=datetime.date(2016, 6, 2),
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        summary="他人",
        state="submitted",
    )
    other.participations.create(member=world.secretary_a)
    assert client.get(reverse("ledger:activity_edit", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("ledger:activity_add"), _activity(world, participants=[world.member_a.pk])
    )
    own = Activity.objects.latest("pk")
    assert response["Location"] == own.get_absolute_url()
    assert client.get(reverse("ledger:activity_edit", args=[own.pk])).status_code == 200
    # The unit committee may still correct any entry of its unit.
    assert (
        login("unit_a").get(reverse("ledger:activity_edit", args=[world.activity_a.pk])).status_code
        == 200
    )


def test_the_ledger_lists_queries_do_not_grow_with_the_page_size(login, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(120):
        a = Activity.objects.create(
            campaign=world.campaign,
            kind="service_visit",
            date=datetime.date(2016, 7, 1) + datetime.timedelta(days=i % 60),
            village=world.baoshan,
            branch=world.branch_a,
            summary=f"走访{i}",
            state="accepted",
        )
        a.participations.create(member=world.member_a)
    client = login("unit_a")
    client.get(reverse("ledger:activity_list"))  # the first page of a session renews it
    counts = {}
    for per_page in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("ledger:activity_list"), {"per_page": per_page})
        assert len(response.context["table"].page.object_list) == per_page
        counts[per_page] = len(queries)
    assert counts[25] == counts[100], counts


def test_unit_and_owner_filters_search_instead_of_listing_every_choice(login, world):
    client = login("office")
    response = client.get(reverse("ledger:activity_list"), {"unit": world.unit_b.pk})
    assert [r.record for r in response.context["table"].rows] == [world.activity_b]
    body = response.content.decode()
    assert f">{world.unit_a.name}</option>" not in body  # no long drop-down of units
    assert "/search/orgs.Unit/" in body
    assert world.unit_b.name in body  # the chosen unit is named under the box
    problems = client.get(reverse("ledger:problem_list"), {"owner": world.member_a.pk})
    assert problems.status_code == 200
    assert "李党员" in problems.content.decode()
