from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import BaseModelForm, BootstrapMixin
from bangfu.geo.forms import VillageField
from bangfu.registry.choices import PovertyCause, Relation
from bangfu.registry.models import Household, Person


class HouseholdForm(BaseModelForm):
    village = VillageField(label=_("所在村"))
    other_causes = forms.MultipleChoiceField(
        label=_("其他致贫原因"),
        choices=PovertyCause.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    class Meta:
        model = Household
        fields = [
            "village",
            "number",
            "attribute",
            "identified_year",
            "main_cause",
            "other_causes",
            "housing",
            "housing_area",
            "arable_land",
            "phone",
            "bank_account",
            "food_ok",
            "clothing_ok",
            "education_ok",
            "medical_ok",
            "housing_ok",
            "water_ok",
            "status",
            "exit_year",
        ]


class PersonForm(BootstrapMixin, forms.ModelForm):
    def _post_clean(self) -> None:
        self.instance._checked_by = self.user
        super()._post_clean()

    class Meta:
        model = Person
        fields = [
            "name",
            "relation",
            "id_number",
            "sex",
            "birth_date",
            "health",
            "disability",
            "education",
            "schooling",
            "labour_ability",
            "migrant_work",
            "medical_insurance",
            "pension_insurance",
        ]
        widgets = {"birth_date": forms.DateInput()}


class BasePeopleFormSet(forms.BaseInlineFormSet):
    """A household has exactly one head, and no ID number twice."""

    def clean(self) -> None:
        super().clean()
        heads, numbers = 0, set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            if not form.cleaned_data:
                continue
            if form.cleaned_data.get("relation") == Relation.HEAD:
                heads += 1
            number = form.instance.id_number
            if number:
                if number in numbers:
                    form.add_error("id_number", _("同一户中身份证号码重复。"))
                numbers.add(number)
        if heads != 1:
            raise forms.ValidationError(_("每户须有且只有一名户主,现在有{n}名。").format(n=heads))


PeopleFormSet = forms.inlineformset_factory(
    Household, Person, form=PersonForm, formset=BasePeopleFormSet, extra=1, can_delete=False
)
