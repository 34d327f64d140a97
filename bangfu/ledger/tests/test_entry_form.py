"""The entry form fills what it can infer, and never drops a chosen photo silently."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bangfu.ledger.choices import ActivityKind
from bangfu.ledger.models import Activity
from bangfu.ledger.tests.test_entry import entry

ADD = reverse("ledger:activity_add")


def _jpeg(name="visit.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "olive").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_the_village_is_inferred_from_the_household(login, world):
    data = entry(
        world,
        ActivityKind.SERVICE_VISIT,
        village="",
        households=[world.household_a.number],
        photos=[_jpeg()],
    )
    response = login("unit_a").post(ADD, data)
    assert response.status_code == 302, response.context["form"].errors
    activity = Activity.objects.latest("pk")
    assert activity.village == world.baoshan
    assert list(activity.households.all()) == [world.household_a]
    assert activity.photos.count() == 1


def test_households_of_two_villages_leave_the_village_to_the_user(login, world):
    data = entry(
        world,
        ActivityKind.SERVICE_VISIT,
        village="",
        households=[world.household_a.number, world.household_b.number],
    )
    response = login("office").post(ADD, data)
    assert response.status_code == 200
    assert "village" in response.context["form"].errors


def test_a_failed_save_keeps_the_chosen_photo(login, world):
    client = login("unit_a")
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="", photos=[_jpeg()])
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert "summary" in response.context["form"].errors
    html = response.content.decode()
    assert 'data-testid="kept-photos"' in html and "不用重新选择" in html
    tokens = re.findall(r'name="kept_photos" value="([^"]+)"', html)
    assert len(tokens) == 1
    # Fixed and saved without choosing the photo again: it is stored with the entry.
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="入户走访", kept_photos=tokens)
    assert client.post(ADD, data).status_code == 302
    assert Activity.objects.latest("pk").photos.count() == 1
    # A token is the user's own: another user cannot post it.
    data = entry(world, ActivityKind.SERVICE_VISIT, summary="再记一次", kept_photos=tokens)
    assert login("office").post(ADD, data).status_code == 302
    assert Activity.objects.latest("pk").photos.count() == 0


def test_the_kinds_say_which_is_a_household_visit(login, world):
    html = login("member_a").get(ADD).content.decode()
    # 走访摸底 and 党员服务 are told apart by what the visit is for.
    assert "了解家庭情况" in html and "为群众办实事" in html


def test_the_landing_page_offers_record_work_to_those_who_record(login, world):
    for name in ("member_a", "branch_a", "village_a", "unit_a"):
        html = login(name).get("/").content.decode()
        assert 'data-testid="record-work"' in html, name
        assert f'href="{ADD}"' in html
    assert 'data-testid="record-work"' not in login("viewer").get("/").content.decode()


def test_kept_photos_whose_form_never_came_back_are_swept(world, settings):
    import os
    import time

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from bangfu.ledger.photos import KEPT_MAX_AGE, keep_for_later, kept_photos

    stale = default_storage.save("ledger/pending/stale", ContentFile(b"old"))
    old = time.time() - KEPT_MAX_AGE - 60
    os.utime(default_storage.path(stale), (old, old))
    user = world.users["member_a"]
    token = keep_for_later(user, _jpeg())
    assert not default_storage.exists(stale)
    assert [t for t, _f in kept_photos(user, [token])] == [token]
