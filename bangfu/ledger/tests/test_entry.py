"""Quick entry by kind: each kind asks for its own fields and refuses what does not fit."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bangfu.ledger.choices import ActivityKind, ProblemState, ReviewState
from bangfu.ledger.forms import KIND_FIELDS
from bangfu.ledger.models import Activity, Problem

ADD = reverse("ledger:activity_add")


def entry(world, kind, **extra):
    data = {
        "campaign": world.campaign.pk,
        "kind": kind,
        "date": "2016-06-01",
        "branch": world.branch_a.pk,
        "village": world.baoshan.code,
        "participants": [world.member_a.pk],
        "summary": "工作内容",
        "solved-TOTAL_FORMS": "0",
        "solved-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


# What each kind needs to be valid, and the field whose absence it must refuse.
VALID = {
    ActivityKind.STAY: ({"days": "3"}, "days"),
    ActivityKind.EXPERT_VISIT: ({}, None),
    ActivityKind.SERVICE_VISIT: ({}, None),
    ActivityKind.SURVEY: ({}, None),
    ActivityKind.POLICY_SUPPORT: ({"quantity": "5"}, "quantity"),
    ActivityKind.TECH_SERVICE: ({"quantity": "40"}, "quantity"),
    ActivityKind.DEV_IDEA: ({"quantity": "2"}, "quantity"),
    ActivityKind.PARTY_BUILDING: ({}, None),
    ActivityKind.FUNDS: ({"amount": "50000", "fund_source": "social"}, "amount"),
}


def test_every_kind_has_its_rules():
    assert set(VALID) == set(ActivityKind.values) == set(KIND_FIELDS)


@pytest.mark.parametrize("kind", ActivityKind.values)
def test_each_kind_shows_its_own_fields_and_saves(login, world, kind):
    client = login("unit_a")
    form = client.get(f"{ADD}?kind={kind}").context["form"]
    shown = set(form.fields)
    for name in ("days", "quantity", "amount", "households"):
        assert (name in shown) == (name in KIND_FIELDS[kind]), name
    needed, _missing = VALID[kind]
    response = client.post(ADD, entry(world, kind, **needed))
    assert response.status_code == 302, response.context["form"].errors
    activity = Activity.objects.latest("pk")
    assert activity.kind == kind
    assert activity.state == ReviewState.SUBMITTED
    assert activity.author == world.users["unit_a"]


@pytest.mark.parametrize("kind", [k for k, (_d, missing) in VALID.items() if missing])
def test_each_kind_refuses_its_missing_figure(login, world, kind):
    _needed, missing = VALID[kind]
    data = entry(world, kind, **{k: v for k, v in VALID[kind][0].items() if k != missing})
    response = login("unit_a").post(ADD, data)
    assert response.status_code == 200
    assert missing in response.context["form"].errors


def test_the_kind_chooser_lists_every_kind(login, world):
    body = login("member_a").get(ADD).content.decode()
    for kind in ActivityKind:
        assert f"?kind={kind.value}" in body
        assert str(kind.label) in body


def test_negative_amounts_are_refused(login, world):
    data = entry(world, ActivityKind.FUNDS, amount="-100", fund_source="social")
    response = login("unit_a").post(ADD, data)
    assert "金额不能为负数" in response.context["form"].errors["amount"][0]


def test_future_dates_are_refused_for_every_kind(login, world):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    data = entry(world, ActivityKind.STAY, days="2", date=tomorrow)
    response = login("unit_a").post(ADD, data)
    assert "日期不能晚于今天" in response.context["form"].errors["date"][0]


def test_households_must_be_in_the_chosen_village(login, world):
    data = entry(world, ActivityKind.SERVICE_VISIT, households=[world.household_b.number])
    response = login("office").post(ADD, data)
    assert response.status_code == 200
    assert "households" in response.context["form"].errors
    ok = entry(world, ActivityKind.SERVICE_VISIT, households=[world.household_a.number])
    assert login("office").post(ADD, ok).status_code == 302
    assert list(Activity.objects.latest("pk").households.all()) == [world.household_a]


def test_an_entry_is_linked_to_its_branchs_pairing_with_the_village(login, world):
    login("unit_a").post(ADD, entry(world, ActivityKind.SURVEY))
    assert Activity.objects.latest("pk").pairing == world.pairing_a


def test_problems_solved_on_the_spot_become_solved_problems(login, world):
    data = entry(
        world,
        ActivityKind.STAY,
        days="2",
        **{
            "solved-TOTAL_FORMS": "2",
            "solved-0-category": "water",
            "solved-0-title": "修复饮水管道",
            "solved-1-category": "",
            "solved-1-title": "",
        },
    )
    response = login("unit_a").post(ADD, data)
    assert response.status_code == 302
    activity = Activity.objects.latest("pk")
    problem = Problem.objects.get(title="修复饮水管道")
    assert problem.state == ProblemState.SOLVED
    assert problem.solved_on == activity.date
    assert list(problem.activities.all()) == [activity]


def _jpeg(size=(800, 600), color="green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def test_photos_are_stored_with_thumbnails_and_served_only_in_scope(login, world, settings):
    data = entry(world, ActivityKind.SERVICE_VISIT)
    data["photos"] = [
        SimpleUploadedFile("a.jpg", _jpeg(), "image/jpeg"),
        SimpleUploadedFile("b.jpg", _jpeg((3000, 4000)), "image/jpeg"),
    ]
    client = login("unit_a")
    assert client.post(ADD, data).status_code == 302
    activity = Activity.objects.latest("pk")
    photos = list(activity.photos.all())
    assert len(photos) == 2
    assert max(photos[1].width, photos[1].height) == 2048  # shrunk
    assert photos[0].image.path.startswith(str(settings.MEDIA_ROOT))
    with Image.open(photos[0].thumbnail.path) as thumb:
        assert max(thumb.size) <= 320
    url = reverse("ledger:activityphoto_file", args=[photos[0].pk, "thumb"])
    assert client.get(url).status_code == 200
    assert login("unit_b").get(url).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(login, world):
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="带假照片")
    data["photos"] = [SimpleUploadedFile("x.jpg", b"not an image at all", "image/jpeg")]
    response = login("unit_a").post(ADD, data)
    assert response.status_code == 200
    assert "不是可以识别的图片" in str(response.context["form"].errors["photos"])
    assert not Activity.objects.filter(summary="带假照片").exists()


def test_too_many_or_too_large_photos_are_refused(login, world, settings):
    settings.BANGFU_PHOTOS_PER_ACTIVITY = 1
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="两张照片")
    data["photos"] = [SimpleUploadedFile(f"{i}.jpg", _jpeg(), "image/jpeg") for i in range(2)]
    response = login("unit_a").post(ADD, data)
    assert "最多1张照片" in str(response.context["form"].errors["photos"])
    settings.BANGFU_PHOTOS_PER_ACTIVITY = 4
    settings.BANGFU_PHOTO_MAX_BYTES = 1000
    data["photos"] = [SimpleUploadedFile("big.jpg", _jpeg((1000, 1000), "red"), "image/jpeg")]
    response = login("unit_a").post(ADD, data)
    assert "超过了" in str(response.context["form"].errors["photos"])
    assert not Activity.objects.filter(summary="两张照片").exists()


def test_participants_are_picked_by_search_and_shown_as_chips(login, world):
    client = login("unit_a")
    url = reverse("ledger:activity_edit", args=[world.activity_a.pk])
    body = client.get(url).content.decode()
    assert f'name="participants" value="{world.member_a.pk}"' in body
    assert "李党员" in body
    found = client.get(reverse("core:search", args=["orgs.Member"]), {"q": "王"})
    assert "王书记" in found.content.decode()
    assert (
        "陆曙光"
        not in client.get(
            reverse("core:search", args=["orgs.Member"]), {"q": "陆"}
        ).content.decode()
    )
