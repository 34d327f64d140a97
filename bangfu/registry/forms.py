from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import BaseModelForm, BootstrapMixin
from bangfu.geo.forms import VillageField
from bangfu.registry import rules
from bangfu.registry.choices import FactSource, PovertyCause, Relation
from bangfu.registry.models import (
    SOURCE_FACTS,
    Household,
    Person,
    PovertyLine,
    ScoringItem,
    ScoringOption,
    ScoringSheet,
)


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
    """A person; with an ID number the birth date is read from it, not typed (a date typed
    against a masked number would be answered "does not match" until it matched)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.id_number:
            self.fields["birth_date"].disabled = True
            self.fields["birth_date"].help_text = _("由身份证号码得出。")

    def clean(self) -> dict:
        data = super().clean()
        if self.fields["birth_date"].disabled:
            data["birth_date"] = None  # the model reads it from the number (fixing a wrong one)
        return data

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
        for _k, _field, message in rules.check_heads([heads]):
            raise forms.ValidationError(message)


PeopleFormSet = forms.inlineformset_factory(
    Household, Person, form=PersonForm, formset=BasePeopleFormSet, extra=1, can_delete=False
)


# --- Identification and exit ---------------------------------------------------------------


class PovertyLineForm(BaseModelForm):
    class Meta:
        model = PovertyLine
        fields = ["year", "amount", "note"]


class ScoringSheetForm(BaseModelForm):
    class Meta:
        model = ScoringSheet
        fields = ["name", "year", "threshold", "poor_when", "is_default", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ScoringItemForm(BaseModelForm):
    class Meta:
        model = ScoringItem
        fields = ["sheet", "order", "name", "max_points", "source", "help"]
        widgets = {"help": forms.Textarea(attrs={"rows": 3})}


def _fact_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (FactSource(source).label, [(value, label) for value, label in facts])
        for source, facts in SOURCE_FACTS.items()
        if facts
    ]


class ScoringOptionForm(BaseModelForm):
    facts = forms.MultipleChoiceField(
        label=_("对应登记情况"),
        choices=_fact_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("批量打分时,登记信息为这些情况的户自动选此项;须与评分项的数据来源一致。"),
    )

    class Meta:
        model = ScoringOption
        fields = ["item", "order", "label", "points", "facts"]


class ScoreForm(forms.Form):
    """One radio group per item of a sheet (field `item_<id>`), plus the date and a note."""

    date = forms.DateField(label=_("评分日期"), widget=forms.DateInput())
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, items: list[ScoringItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=item.name,
                coerce=int,
                choices=[(o.pk, str(o)) for o in item.options.all()],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=item.help,
                error_messages={"required": _("请选择一项。")},
            )
        self.fields["date"].widget.input_type = "date"
        self.fields["date"].widget.format = "%Y-%m-%d"
        self.fields["date"].widget.attrs["class"] = "form-control"
        self.fields["note"].widget.attrs["class"] = "form-control"

    def item_fields(self) -> list[tuple[ScoringItem, forms.BoundField]]:
        return [(item, self[f"item_{item.pk}"]) for item in self.items]

    def answers(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}
