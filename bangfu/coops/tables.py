import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.coops.models import (
    Cooperative,
    CoopMember,
    Dividend,
    DividendRun,
    ReliefFund,
    Shareholding,
)
from bangfu.core.tables import BaseTable


class CooperativeTable(BaseTable):
    name = tables.Column(linkify=True)
    village = tables.Column()
    member_count = tables.Column(verbose_name=_("成员数"))
    household_count = tables.Column(verbose_name=_("贫困户"))

    class Meta(BaseTable.Meta):
        model = Cooperative
        fields = ("name", "village", "sector", "contact_name", "member_count", "household_count")


class CoopMemberTable(BaseTable):
    household = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CoopMember
        fields = ("name", "kind", "household", "joined_on", "left_on")


class ReliefFundTable(BaseTable):
    granted = tables.Column(verbose_name=_("已折股(元)"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = ReliefFund
        fields = ("name", "source", "year", "amount", "share_price", "granted")

    def render_granted(self, record: ReliefFund) -> object:
        return record.granted_amount()


class ShareholdingTable(BaseTable):
    end_link = tables.TemplateColumn(
        '{% load i18n %}{% if not record.ended_on %}<a href="{% url \'coops:holding_end\' record.pk %}">{% translate "终止" %}</a>{% endif %}',
        verbose_name="",
        orderable=False,
    )

    class Meta(BaseTable.Meta):
        model = Shareholding
        fields = (
            "member",
            "fund",
            "shares",
            "amount",
            "start",
            "end",
            "returns_to_collective",
            "ended_on",
            "end_reason",
        )


class DividendRunTable(BaseTable):
    year = tables.Column(linkify=True)
    coop = tables.Column(linkify=True)
    paid = tables.Column(verbose_name=_("已支付"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = DividendRun
        fields = ("year", "coop", "record_date", "profit", "total_shares", "confirmed_at", "paid")

    def render_paid(self, record: DividendRun) -> str:
        """Needs the run annotated with paid_count and dividend_count (see views.runs_of)."""
        return f"{record.paid_count} / {record.dividend_count}"


class HouseholdHoldingTable(BaseTable):
    """A household's shares, on its page: which cooperative, how many, for what term."""

    coop = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Shareholding
        fields = ("coop", "fund", "shares", "amount", "start", "end", "ended_on")


class HouseholdDividendTable(BaseTable):
    """A household's dividends, on its page."""

    run = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Dividend
        fields = ("run", "shares", "amount", "paid_on", "method")
