"""Forms for cooperatives: the records themselves, granting shares, dividends and payments."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.coops.choices import MemberKind, PaymentMethod
from bangfu.coops.models import Cooperative, CoopMember, ReliefFund
from bangfu.core.forms import BaseModelForm, BootstrapMixin
from bangfu.geo.forms import VillageField
from bangfu.registry.models import Household


class CooperativeForm(BaseModelForm):
    village = VillageField(label=_("所在村"))

    class Meta:
        model = Cooperative
        fields = [
            "name",
            "village",
            "sector",
            "registration_number",
            "registered_on",
            "contact_name",
            "contact_phone",
            "note",
        ]
        widgets = {"registered_on": forms.DateInput(), "note": forms.Textarea(attrs={"rows": 2})}


class CoopMemberForm(BaseModelForm):
    """A member other than a poor household (households join when granted shares), with the
    shares bought with their own money, if any."""

    shares = forms.IntegerField(label=_("自有资金入股股数"), min_value=1, required=False)
    amount = forms.DecimalField(
        label=_("入股金额(元)"), min_value=Decimal("0.01"), decimal_places=2, required=False
    )

    class Meta:
        model = CoopMember
        fields = ["kind", "name", "joined_on"]
        widgets = {"joined_on": forms.DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            c for c in MemberKind.choices if c[0] != MemberKind.POOR_HOUSEHOLD
        ]
        self.initial.setdefault("joined_on", datetime.date.today())

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("shares")) != bool(data.get("amount")):
            raise forms.ValidationError(_("入股股数和金额须同时填写。"))
        return data


class ReliefFundForm(BaseModelForm):
    class Meta:
        model = ReliefFund
        fields = ["name", "source", "year", "amount", "share_price"]


class GrantForm(BootstrapMixin, forms.Form):
    """Convert part of a fund into the same number of shares for each chosen household."""

    fund = forms.ModelChoiceField(label=_("折股资金"), queryset=ReliefFund.objects.none())
    shares = forms.IntegerField(label=_("每户股数"), min_value=1)
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput())
    end = forms.DateField(label=_("到期日期"), widget=forms.DateInput(), required=False)
    returns_to_collective = forms.BooleanField(
        label=_("退出时股份收归村集体"), required=False, initial=True
    )
    households = forms.ModelMultipleChoiceField(
        label=_("获得股份的贫困户"),
        queryset=Household.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, coop: Cooperative, households: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = coop.funds.all()
        self.fields["households"].queryset = households
        self.fields["households"].widget.attrs["class"] = "form-check-input"
        self.fields["households"].label_from_instance = lambda h: f"{h.head_name}户 · {h.number}"
        self.initial.setdefault("start", datetime.date.today())


class RunForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("分红年度"), min_value=2000, max_value=2100)
    profit = forms.DecimalField(
        label=_("可分配盈余(元)"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    record_date = forms.DateField(
        label=_("股权登记日"),
        widget=forms.DateInput(),
        required=False,
        help_text=_("不填则为当年12月31日"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PaymentForm(BootstrapMixin, forms.Form):
    paid_on = forms.DateField(label=_("支付日期"), widget=forms.DateInput())
    method = forms.ChoiceField(label=_("支付方式"), choices=PaymentMethod.choices)
    note = forms.CharField(label=_("支付备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("paid_on", datetime.date.today())


class EndHoldingForm(BootstrapMixin, forms.Form):
    on = forms.DateField(label=_("终止日期"), widget=forms.DateInput())
    reason = forms.CharField(label=_("终止原因"), max_length=200)
