from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import pgettext_lazy

# The main menu in the order a campaign is worked: (label, [(url name, label, permission)]).
# A group with one visible entry shows as a plain link; with more, as a dropdown.
NAV = [
    (
        pgettext_lazy("menu", "总览"),
        [
            ("dashboard:index", pgettext_lazy("menu", "总览"), None),
            ("dashboard:charts", pgettext_lazy("menu", "图表"), None),
            ("dashboard:map", pgettext_lazy("menu", "地图"), None),
            ("dashboard:bulletin", pgettext_lazy("menu", "简报"), None),
        ],
    ),
    (
        pgettext_lazy("menu", "结对"),
        [
            ("campaigns:pairing_list", pgettext_lazy("menu", "结对"), "campaigns.view_pairing"),
            (
                "campaigns:progress",
                pgettext_lazy("menu", "任务进度"),
                "campaigns.view_allocationtarget",
            ),
            ("campaigns:open_villages", pgettext_lazy("menu", "认领村"), "campaigns.add_pairing"),
            ("campaigns:approvals", pgettext_lazy("menu", "认领审批"), "campaigns.approve_pairing"),
            ("campaigns:solver", pgettext_lazy("menu", "智能分配"), "campaigns.add_solverrun"),
        ],
    ),
    (
        pgettext_lazy("menu", "台账"),
        [
            ("ledger:activity_add", pgettext_lazy("menu", "记录工作"), "ledger.add_activity"),
            ("ledger:activity_list", pgettext_lazy("menu", "台账"), "ledger.view_activity"),
            ("ledger:review", pgettext_lazy("menu", "审核"), "ledger.review_activity"),
            ("ledger:problem_list", pgettext_lazy("menu", "问题清单"), "ledger.view_problem"),
            ("ledger:project_list", pgettext_lazy("menu", "项目"), "ledger.view_project"),
            (
                "coops:cooperative_list",
                pgettext_lazy("menu", "合作社"),
                "coops.view_cooperative",
            ),
            ("ledger:book_index", pgettext_lazy("menu", "打印台账"), "ledger.view_activity"),
        ],
    ),
    (
        pgettext_lazy("menu", "考核"),
        [("assessment:scheme_list", pgettext_lazy("menu", "考核"), "assessment.view_scheme")],
    ),
    (
        pgettext_lazy("menu", "建档立卡"),
        [
            ("registry:household_list", pgettext_lazy("menu", "贫困户"), "registry.view_household"),
            # Identification, exit and relapse monitoring: the page links its sister pages.
            ("registry:monitoring", pgettext_lazy("menu", "识别与监测"), "registry.view_household"),
            ("registry:quality", pgettext_lazy("menu", "数据质量"), "registry.view_household"),
            ("geo:region_list", pgettext_lazy("menu", "村"), "geo.view_region"),
        ],
    ),
    (
        pgettext_lazy("menu", "组织"),
        [
            ("orgs:unit_list", pgettext_lazy("menu", "单位"), "orgs.view_unit"),
            ("orgs:branch_list", pgettext_lazy("menu", "党支部"), "orgs.view_branch"),
            ("orgs:member_list", pgettext_lazy("menu", "党员干部"), "orgs.view_member"),
        ],
    ),
    (
        pgettext_lazy("menu", "用户"),
        [
            (
                "admin:accounts_user_changelist",
                pgettext_lazy("menu", "用户"),
                "accounts.change_user",
            ),
            (
                "accounts:accesslog_list",
                pgettext_lazy("menu", "个人信息访问记录"),
                "accounts.view_accesslog",
            ),
        ],
    ),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    groups = []
    for group_label, entries in NAV:
        items = []
        for name, label, perm in entries:
            if perm and not user.has_perm(perm):
                continue
            if name.startswith("admin:") and not user.is_staff:
                continue
            url = reverse(name)
            active = request.path.startswith(url) if url != "/" else request.path == "/"
            items.append({"url": url, "label": label, "active": active})
        if items:
            groups.append(
                {"label": group_label, "items": items, "active": any(i["active"] for i in items)}
            )
    return {"nav_groups": groups}
