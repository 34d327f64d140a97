from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import pgettext_lazy

# (url name, label, permission) of the main menu, in the order a campaign is worked.
NAV = [
    ("dashboard:index", pgettext_lazy("menu", "总览"), None),
    ("campaigns:pairing_list", pgettext_lazy("menu", "结对"), "campaigns.view_pairing"),
    ("campaigns:progress", pgettext_lazy("menu", "任务进度"), "campaigns.view_allocationtarget"),
    ("ledger:activity_list", pgettext_lazy("menu", "台账"), "ledger.view_activity"),
    ("registry:household_list", pgettext_lazy("menu", "贫困户"), "registry.view_household"),
    ("registry:quality", pgettext_lazy("menu", "数据质量"), "registry.view_household"),
    # Identification, exit and relapse monitoring: the page links its sister pages.
    ("registry:monitoring", pgettext_lazy("menu", "识别与监测"), "registry.view_household"),
    ("geo:region_list", pgettext_lazy("menu", "村"), "geo.view_region"),
    ("orgs:unit_list", pgettext_lazy("menu", "单位"), "orgs.view_unit"),
    ("orgs:branch_list", pgettext_lazy("menu", "党支部"), "orgs.view_branch"),
    ("orgs:member_list", pgettext_lazy("menu", "党员干部"), "orgs.view_member"),
    ("admin:accounts_user_changelist", pgettext_lazy("menu", "用户"), "accounts.change_user"),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, perm in NAV:
        if perm and not user.has_perm(perm):
            continue
        if name.startswith("admin:") and not user.is_staff:
            continue
        url = reverse(name)
        active = request.path.startswith(url) if url != "/" else request.path == "/"
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
