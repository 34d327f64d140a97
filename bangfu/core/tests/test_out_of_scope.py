"""Outside a user's scope an object does not exist for them: every page and action that takes
an object's id answers 404, whatever the user's permissions, so the answer never tells that
the object is there (a 403 would)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from bangfu.accounts.models import User
from bangfu.campaigns.models import Pairing
from bangfu.core.tests.test_permissions import pages
from bangfu.geo.models import Region
from bangfu.ledger.models import ActivityPhoto, Problem
from bangfu.orgs.models import Unit
from bangfu.registry.models import Household, Person

# Pages whose <pk> names an object of a model the page's view does not declare.
ACTION_MODELS: dict[str, type] = {
    "registry:household_score": Household,
    "registry:household_monitor": Household,
    "registry:village_identification": Region,
    "campaigns:pairing_hand_over": Pairing,
    "ledger:problem_move": Problem,
    "ledger:activityphoto_file": ActivityPhoto,
    "ledger:book_unit": Unit,
    "accounts:reveal": Person,
}
OTHER_ARGS = {
    "size": "thumb",
    "year": 2016,
    "month": 5,
    "fmt": "xlsx",
    "app_label": "registry",
    "model_name": "person",
    "field": "id_number",
}
ROLES = ["unit_a", "unit_b", "branch_a", "village_a", "member_a", "viewer_bijie"]


@pytest.fixture
def both_sides(world: Any) -> None:
    """A cooperative with shares and a dividend run, a problem and a photo in each village."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bangfu.coops import services
    from bangfu.coops.models import Cooperative, ReliefFund
    from bangfu.ledger import photos

    for village, household, activity, branch in (
        (world.baoshan, world.household_a, world.activity_a, world.branch_a),
        (world.lebang, world.household_b, world.activity_b, world.branch_b),
    ):
        coop = Cooperative.objects.create(name=f"{village.name}合作社", village=village)
        fund = ReliefFund.objects.create(
            coop=coop, name="扶贫资金", source="fiscal", year=2016, amount=Decimal("1000")
        )
        services.grant_shares(fund, [household], 100, datetime.date(2016, 6, 1))
        services.confirm_run(coop, 2016, Decimal("10.00"))
        Problem.objects.create(
            campaign=world.campaign,
            village=village,
            unit=branch.unit,
            branch=branch,
            category="water",
            title="饮水",
            raised_on=datetime.date(2016, 5, 1),
        )
        photos.add_photos(activity, [SimpleUploadedFile("a.png", _png(), "image/png")])


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _model(page: Any) -> type | None:
    model = ACTION_MODELS.get(page.name) or page.model
    if model is None:
        by_path = {"coops/cooperatives/": "Cooperative", "coops/holdings/": "Shareholding"}
        for prefix, name in by_path.items():
            if page.route.startswith(prefix):
                from django.apps import apps

                return apps.get_model("coops", name)
        if page.route.startswith("coops/dividends/"):
            from bangfu.coops.models import DividendRun

            return DividendRun
    return model


def _outside(model: type, user: User) -> Any:
    scope = model.scope_q(user.scope)
    queryset = model.objects.exclude(pk__in=model.objects.filter(scope).values("pk"))
    if model is Region:
        queryset = queryset.filter(level="village")
    return queryset.order_by("pk").first()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_object_page_and_action_is_404_outside_the_scope(client, world, both_sides, role):
    user = world.users[role]
    client.force_login(user)
    tried, wrong = [], []
    for page in pages():
        if "pk" not in page.kwargs:
            continue
        model = _model(page)
        if model is None or not hasattr(model, "scope_q"):
            continue
        obj = _outside(model, user)
        if obj is None:
            continue
        kwargs = {a: OTHER_ARGS[a] for a in page.kwargs if a in OTHER_ARGS}
        for arg in page.kwargs:
            if arg not in kwargs and arg != "pk":
                kwargs[arg] = 1
        url = reverse(page.name, kwargs={**kwargs, "pk": obj.pk})
        for method in (client.get, client.post):
            status = method(url).status_code
            tried.append(page.name)
            if status not in (404, 405) and not (method == client.post and status == 302):
                wrong.append((page.name, method.__name__, status))
    assert not wrong, (role, wrong)
    assert {"coops:grant", "coops:payments", "coops:holding_end", "accounts:reveal"} <= set(tried)
