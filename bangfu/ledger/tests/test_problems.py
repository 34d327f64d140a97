"""Problems move open → in progress → solved → verified; overdue ones are flagged."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bangfu.ledger import services
from bangfu.ledger.choices import ProblemState
from bangfu.ledger.models import Problem


@pytest.fixture
def problem(world):
    return Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        owner=world.member_a,
        category="water",
        title="饮水管道破损",
        raised_on=datetime.date(2016, 5, 1),
        deadline=datetime.date(2016, 6, 30),
    )


def test_the_allowed_path_to_verified(world, problem):
    unit = world.users["unit_a"]
    services.move_problem(problem, ProblemState.IN_PROGRESS, world.users["branch_a"])
    services.move_problem(
        problem, ProblemState.SOLVED, world.users["branch_a"], on=datetime.date(2016, 6, 2)
    )
    assert problem.solved_on == datetime.date(2016, 6, 2)
    services.move_problem(problem, ProblemState.VERIFIED, unit)
    problem.refresh_from_db()
    assert problem.state == ProblemState.VERIFIED
    with pytest.raises(ValidationError, match="不能从“已核实”改为“解决中”"):
        services.move_problem(problem, ProblemState.IN_PROGRESS, unit)


def test_refused_moves_say_why(world, problem):
    branch = world.users["branch_a"]
    with pytest.raises(ValidationError, match="不能从“待解决”改为“已核实”"):
        services.move_problem(problem, ProblemState.VERIFIED, world.users["unit_a"])
    services.move_problem(problem, ProblemState.SOLVED, branch, on=datetime.date(2016, 6, 1))
    with pytest.raises(ValidationError, match="只有单位党委"):
        services.move_problem(problem, ProblemState.VERIFIED, branch)
    with pytest.raises(ValidationError, match="未知的状态"):
        services.move_problem(problem, "done", branch)


def test_a_solved_date_must_be_real(world, problem):
    branch = world.users["branch_a"]
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.move_problem(problem, ProblemState.SOLVED, branch, on=tomorrow)
    with pytest.raises(ValidationError, match="不能早于提出日期"):
        services.move_problem(problem, ProblemState.SOLVED, branch, on=datetime.date(2016, 4, 1))


def test_reopening_clears_the_solved_date(world, problem):
    branch = world.users["branch_a"]
    services.move_problem(problem, ProblemState.SOLVED, branch, on=datetime.date(2016, 6, 1))
    services.move_problem(problem, ProblemState.IN_PROGRESS, branch)
    problem.refresh_from_db()
    assert problem.solved_on is None


def test_other_units_cannot_move_it(login, world, problem):
    response = login("unit_b").post(
        reverse("ledger:problem_move", args=[problem.pk]), {"to": ProblemState.IN_PROGRESS}
    )
    assert response.status_code == 404
    problem.refresh_from_db()
    assert problem.state == ProblemState.OPEN


def test_the_page_offers_the_allowed_moves_and_applies_them(login, world, problem):
    client = login("unit_a")
    body = client.get(problem.get_absolute_url()).content.decode()
    assert 'data-testid="move-in_progress"' in body
    assert 'data-testid="move-verified"' not in body
    client.post(
        reverse("ledger:problem_move", args=[problem.pk]), {"to": "solved", "on": "2016-06-03"}
    )
    problem.refresh_from_db()
    assert (problem.state, problem.solved_on) == (ProblemState.SOLVED, datetime.date(2016, 6, 3))
    assert 'data-testid="move-verified"' in client.get(problem.get_absolute_url()).content.decode()


def test_overdue_problems_are_flagged_and_filtered(login, world, problem):
    on_time = Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        category="water",
        title="还没到期",
        raised_on=datetime.date.today(),
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )
    assert problem.is_overdue and not on_time.is_overdue
    assert set(Problem.objects.filter(Problem.overdue_q())) == {problem}
    client = login("unit_a")
    listed = client.get(reverse("ledger:problem_list"), {"overdue": "true"})
    assert [r.record for r in listed.context["table"].rows] == [problem]
    assert 'data-testid="overdue"' in listed.content.decode()
    services.move_problem(
        problem, ProblemState.SOLVED, world.users["unit_a"], on=datetime.date(2016, 6, 1)
    )
    assert not Problem.objects.filter(Problem.overdue_q()).exists()


def test_raising_a_problem_checks_household_owner_and_deadline(login, world):
    client = login("office")
    data = {
        "campaign": world.campaign.pk,
        "village": world.baoshan.code,
        "household": world.household_b.number,
        "category": "housing",
        "title": "危房",
        "unit": world.unit_a.pk,
        "owner": world.secretary_b.pk,
        "raised_on": "2016-06-01",
        "deadline": "2016-05-01",
    }
    errors = client.post(reverse("ledger:problem_add"), data).context["form"].errors
    assert "household" in errors and "owner" in errors and "deadline" in errors
    data.update(household=world.household_a.number, owner=world.member_a.pk, deadline="2016-07-01")
    assert client.post(reverse("ledger:problem_add"), data).status_code == 302
    assert Problem.objects.get(title="危房").household == world.household_a


def test_overdue_problems_show_on_the_owners_pages_and_the_dashboard(login, world, problem):
    client = login("unit_a")
    for url in (
        reverse("orgs:member_detail", args=[world.member_a.pk]),
        reverse("orgs:branch_detail", args=[world.branch_a.pk]),
        reverse("orgs:unit_detail", args=[world.unit_a.pk]),
    ):
        body = client.get(url).content.decode()
        assert "饮水管道破损" in body and 'data-testid="overdue"' in body, url
    dashboard = client.get(reverse("dashboard:index"))
    assert dashboard.context["overdue_problems"] == 1
    followed = client.get(dashboard.context["overdue_url"])
    assert [r.record for r in followed.context["table"].rows] == [problem]
    # Another unit's dashboard does not see it.
    assert login("unit_b").get(reverse("dashboard:index")).context["overdue_problems"] == 0


def test_work_recorded_from_a_problem_is_linked_to_it(login, world, problem):
    client = login("unit_a")
    chooser = client.get(reverse("ledger:activity_add"), {"problem": problem.pk}).content.decode()
    assert f"?kind=survey&amp;problem={problem.pk}" in chooser
    url = reverse("ledger:activity_add") + f"?kind=survey&problem={problem.pk}"
    form = client.get(url).context["form"]
    assert form.initial["village"] == world.baoshan.code
    assert "饮水管道破损" in form.initial["summary"]
    data = {
        "campaign": world.campaign.pk,
        "kind": "survey",
        "date": "2016-06-05",
        "branch": world.branch_a.pk,
        "village": world.baoshan.code,
        "participants": [world.member_a.pk],
        "summary": "查看管道",
        "problem": problem.pk,
        "solved-TOTAL_FORMS": "0",
        "solved-INITIAL_FORMS": "0",
    }
    assert client.post(url, data).status_code == 302
    problem.refresh_from_db()
    assert problem.state == ProblemState.IN_PROGRESS
    assert [a.summary for a in problem.activities.all()] == ["查看管道"]
    # Another unit cannot attach its work to this problem.
    other = dict(
        data,
        branch=world.branch_b.pk,
        village=world.lebang.code,
        participants=[world.secretary_b.pk],
    )
    response = login("unit_b").post(url, other)
    assert "problem" in response.context["form"].errors
