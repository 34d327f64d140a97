"""In a real Chromium on a phone: a village team registers a household, finding the village
by typing its name (htmx search), and a mistyped ID number is explained next to the field."""

import datetime
import re

import pytest

from bangfu.conftest import PASSWORD
from bangfu.registry import idnumber
from bangfu.registry.models import Household

pytestmark = pytest.mark.browser


def test_village_team_registers_a_household_on_a_phone(phone_page, live_world):
    page = phone_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("village_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/registry/households/add/")
    village = page.locator("#id_village")
    with page.expect_response(re.compile(r"/search/geo\.Region/")):
        village.fill("宝山")
    options = page.locator("#id_village-options option")
    options.first.wait_for(state="attached")
    assert options.first.get_attribute("value") == live_world.baoshan.code
    village.fill(options.first.get_attribute("value"))

    page.locator("#id_number").fill("5205241162140555")
    page.locator("#id_attribute").select_option("general")
    page.locator("#id_identified_year").fill("2016")
    page.locator("#id_main_cause").select_option("illness")
    good = idnumber.make("520524", datetime.date(1958, 3, 3), 77, "M")
    page.locator("#id_people-0-name").fill("谭世远")
    page.locator("#id_people-0-relation").select_option("head")
    page.locator("#id_people-0-id_number").fill(good[:17] + ("0" if good[17] != "0" else "1"))
    page.get_by_role("button", name="保存").click()

    error = page.get_by_test_id("error-id_number")
    assert "校验位错误" in error.inner_text()
    assert not Household.objects.filter(number="5205241162140555").exists()

    page.locator("#id_people-0-id_number").fill(good.lower())
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/registry/households/\d+/$"))
    assert page.get_by_role("heading", name=re.compile("谭世远户")).is_visible()
    household = Household.objects.get(number="5205241162140555")
    assert household.people.get().id_number == good
