"""Roles: each is a Django group holding a set of permissions; the user's fields give the scope."""

from __future__ import annotations

from typing import Any

from bangfu.accounts.choices import Role

VIEW_ALL = [
    "geo.view_region",
    "geo.view_villageyear",
    "orgs.view_unit",
    "orgs.view_branch",
    "orgs.view_member",
    "orgs.view_residentteam",
    "registry.view_household",
    "registry.view_person",
    "registry.view_householdincome",
    "registry.view_householdscore",
    "registry.view_householdscoreanswer",
    "registry.view_scoringsheet",
    "registry.view_scoringitem",
    "registry.view_scoringoption",
    "registry.view_povertyline",
    "campaigns.view_campaign",
    "campaigns.view_allocationtarget",
    "campaigns.view_pairing",
    "ledger.view_activity",
    "ledger.view_activityparticipant",
    "ledger.view_problem",
    "ledger.view_project",
    "ledger.view_projectfunding",
    "ledger.view_activityphoto",
    "ledger.view_projectmilestone",
    "coops.view_cooperative",
    "coops.view_coopmember",
    "coops.view_relieffund",
    "coops.view_shareholding",
    "coops.view_dividendrun",
    "coops.view_dividend",
]


def _edit(*models: str) -> list[str]:
    return [
        f"{app}.{action}_{model}"
        for app, model in (m.split(".") for m in models)
        for action in ("add", "change")
    ]


LEDGER = (
    "ledger.activity",
    "ledger.activityparticipant",
    "ledger.problem",
    "ledger.project",
    "ledger.projectfunding",
    "ledger.projectmilestone",
    "ledger.activityphoto",
)
# Assessment: the rules are public; results are seen once published (see ResultSet.scope_q).
VIEW_ASSESSMENT = [
    "assessment.view_scheme",
    "assessment.view_indicator",
    "assessment.view_resultset",
    "assessment.view_assessmentresult",
    "assessment.view_indicatorscore",
]
# Cooperatives and their shares: the village's team, the units working there and the office.
COOPS = (
    "coops.cooperative",
    "coops.coopmember",
    "coops.relieffund",
    "coops.shareholding",
    "coops.dividendrun",
    "coops.dividend",
)
REGISTRY = ("registry.household", "registry.person", "registry.householdincome", "geo.villageyear")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICE: [
        *VIEW_ALL,
        *_edit(
            "geo.region",
            "orgs.unit",
            "orgs.branch",
            "orgs.member",
            "orgs.residentteam",
            "campaigns.campaign",
            "campaigns.allocationtarget",
            "campaigns.pairing",
            *REGISTRY,
            *LEDGER,
            *COOPS,
            # Identification sheets and poverty lines are the office's rules.
            "registry.scoringsheet",
            "registry.scoringitem",
            "registry.scoringoption",
            "registry.povertyline",
            # The allocation solver's runs and their proposals are the office's work.
            "campaigns.solverrun",
        ),
        "campaigns.view_solverrun",
        # Assessment schemes, hand scores, freezing and publishing are the office's.
        *VIEW_ASSESSMENT,
        *_edit("assessment.scheme", "assessment.indicator", "assessment.handscore"),
        "assessment.view_handscore",
        "assessment.add_resultset",
        "assessment.publish_resultset",
        "campaigns.approve_pairing",
        "registry.view_personal_data",
        "ledger.review_activity",
        "core.view_objectchange",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_accesslog",  # who was shown whose personal data
    ],
    Role.UNIT_ADMIN: [
        *VIEW_ALL,
        "orgs.change_unit",  # its own unit; units are added by the office
        *_edit(
            "orgs.branch",
            "orgs.member",
            "orgs.residentteam",
            "campaigns.pairing",
            *LEDGER,
            *COOPS,
        ),
        "ledger.review_activity",
        "campaigns.approve_pairing",  # its branches' claims
        "core.view_objectchange",
        *VIEW_ASSESSMENT,
    ],
    Role.BRANCH_SECRETARY: [
        *VIEW_ALL,
        *_edit("orgs.member", "campaigns.pairing", *LEDGER),
        "core.view_objectchange",
    ],
    Role.VILLAGE_TEAM: [
        *VIEW_ALL,
        *_edit(*REGISTRY, *LEDGER, *COOPS),
        "core.view_objectchange",
    ],
    Role.MEMBER: [
        *VIEW_ALL,
        *_edit("ledger.activity", "ledger.activityparticipant", "ledger.activityphoto"),
    ],
    Role.VIEWER: [*VIEW_ALL, "core.view_objectchange", *VIEW_ASSESSMENT],
}


def sync_role_groups(**kwargs: Any) -> None:
    """Create one group per role holding exactly its permissions (runs after every migrate)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # Permissions are created app by app; wait for the last app so all of them exist.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if kwargs.get("app_config") is not with_models[-1]:
        return
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=f"role:{role}")
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            if not found:
                raise LookupError(f"role {role} names unknown permission {perm}")
            wanted.extend(found)
        group.permissions.set(wanted)
