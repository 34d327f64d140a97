"""The demo has a published 2016 scheme whose every unit's points lead to their records."""

from django.urls import reverse

from bangfu.accounts.models import User
from bangfu.assessment.models import AssessmentResult, ResultSet
from bangfu.demo.scenario import build


def test_demo_has_a_published_2016_result_the_office_can_follow_to_records(db, client):
    scenario = build(seed=7, scale=0.05)
    result_set = ResultSet.objects.get()
    assert result_set.is_published and result_set.scheme.campaign == scenario.campaign
    assert scenario.campaign.year == 2016
    units = result_set.results.filter(subject="unit")
    assert units.count() == scenario.campaign.targets.values("unit").distinct().count()
    assert result_set.results.filter(subject="branch").exists()
    assert set(units.values_list("grade", flat=True)) >= {"excellent", "good", "pass"}
    client.force_login(User.objects.get(username="office"))
    result = units.order_by("rank").first()
    sheet = client.get(result.get_absolute_url())
    assert sheet.status_code == 200
    visits = result_set.scheme.indicators.get(measure="visits_per_pairing_month")
    page = client.get(reverse("assessment:records", args=[result.pk, visits.pk]))
    assert page.status_code == 200 and page.context["count"] > 0
    assert not page.context["changed"]
    # Every hand-scored line carries the office's reason.
    hand = result.scores.get(indicator__kind="manual")
    assert hand.comment and hand.points is not None
    # The demo's unit committee sees its own published score sheet.
    unit_user = User.objects.get(username="unit")
    own = AssessmentResult.objects.get(result_set=result_set, subject="unit", unit=unit_user.unit)
    client.force_login(unit_user)
    assert client.get(own.get_absolute_url()).status_code == 200
