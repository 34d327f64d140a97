"""Summary tables behind the figures at province scale, kept equal to the records by
database triggers (dashboard.tallies), so every insert, edit, delete, bulk update and COPY
moves them, whichever code path wrote the rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityTally(models.Model):
    """Ledger entries per campaign, county, kind, review state and day ('d') or month ('m',
    `day` the month's first): entries, person-visits and the summed quantities.
    Returned entries never count and are not tallied."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # Each entry is tallied under its county (unit 0: all units) and under its unit (county
    # "": all counties).
    county_code = models.CharField(_("县级代码"), max_length=6)
    unit_id = models.BigIntegerField(default=0)
    kind = models.CharField(_("帮扶类型"), max_length=20)
    state = models.CharField(_("审核状态"), max_length=10)
    grain = models.CharField(max_length=1)
    day = models.DateField()
    entries = models.BigIntegerField(default=0)
    persons = models.BigIntegerField(default=0)
    quantity = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    days = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("台账汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "county_code", "unit_id", "kind", "state", "grain", "day"],
                name="activitytally_key",
            )
        ]
        indexes = [models.Index(fields=["campaign", "grain", "day"], name="activitytally_period")]

    def __str__(self) -> str:
        return f"{self.county_code} {self.kind} {self.state} {self.grain}{self.day}"


class HouseholdTally(models.Model):
    """Registered households and their people per county, status and exit year (0: none)."""

    county_code = models.CharField(_("县级代码"), max_length=6)
    status = models.CharField(_("脱贫状态"), max_length=10)
    exit_year = models.PositiveSmallIntegerField(default=0)
    households = models.BigIntegerField(default=0)
    people = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("建档立卡汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "status", "exit_year"], name="householdtally_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.status} {self.exit_year}"


class StayTally(models.Model):
    """Stays (蹲点调研) per campaign, county, member, review state and day ('d'), month ('m')
    or the whole campaign ('a', `day` 1900-01-01): how many leading cadres stayed is a
    count of distinct members, which sums cannot give."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    county_code = models.CharField(_("县级代码"), max_length=6)
    member = models.ForeignKey(
        "orgs.Member", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    state = models.CharField(_("审核状态"), max_length=10)
    grain = models.CharField(max_length=1)
    day = models.DateField()
    stays = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("蹲点汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "county_code", "member", "state", "grain", "day"],
                name="staytally_cell",
            )
        ]
        indexes = [models.Index(fields=["campaign", "grain", "day"], name="staytally_period")]

    def __str__(self) -> str:
        return f"{self.county_code} {self.member_id} {self.state} {self.grain}{self.day}"
