from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.models import Campaign
from bangfu.core.forms import BootstrapMixin
from bangfu.orgs.models import Unit


class FigureSliceForm(BootstrapMixin, forms.Form):
    """Which slice of the campaign the dashboard shows; choices limited to the user's scope."""

    campaign = forms.ModelChoiceField(
        label=_("帮扶行动"), queryset=Campaign.objects.all(), required=False, empty_label=None
    )
    region = forms.RegexField(
        label=_("区划代码"),
        regex=r"^\d{2,12}$",
        required=False,
        error_messages={"invalid": _("区划代码应为2至12位数字。")},
    )
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.all(), required=False, empty_label=_("全部单位")
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput())
