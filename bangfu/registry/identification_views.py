"""Identification pages (精准识别): the scoring sheets, scoring a household, a score's
explanation, the list of scores and a village's batch run (with its exit review).

Scoring is open to whoever may change the household (restrict(user, "change")); others get
404, as for any object outside their reach.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import RedirectView

from bangfu.core import views
from bangfu.core.urls import model_urls
from bangfu.geo.choices import Level
from bangfu.geo.models import Region, VillageYear
from bangfu.registry import services
from bangfu.registry.filtersets import HouseholdScoreFilterSet, ScoringSheetFilterSet
from bangfu.registry.forms import ScoreForm, ScoringItemForm, ScoringOptionForm, ScoringSheetForm
from bangfu.registry.models import (
    Household,
    HouseholdScore,
    ScoringItem,
    ScoringOption,
    ScoringSheet,
)
from bangfu.registry.tables import HouseholdScoreTable, ScoringSheetTable


def _sheet(request: HttpRequest) -> ScoringSheet | None:
    """The sheet named by ?sheet= (within the user's view), else the default one."""
    sheets = ScoringSheet.objects.restrict(request.user, "view")
    wanted = request.GET.get("sheet") or request.POST.get("sheet")
    if wanted:
        try:
            return sheets.get(pk=int(wanted))
        except (ValueError, ScoringSheet.DoesNotExist):
            raise Http404 from None
    return sheets.filter(is_default=True).first() or sheets.first()


class HouseholdScoreView(LoginRequiredMixin, View):
    """Score one household: the sheet's items as radio groups, pre-answered from the registry
    where it can be; the saved score's page explains it."""

    template_name = "registry/score_form.html"

    def household(self, request: HttpRequest, pk: int) -> Household:
        return get_object_or_404(
            Household.objects.restrict(request.user, "change").select_related("village"), pk=pk
        )

    def render_form(
        self,
        request: HttpRequest,
        household: Household,
        sheet: ScoringSheet | None,
        form: ScoreForm,
        proposal: services.ProposedAnswers | None = None,
    ) -> HttpResponse:
        if sheet is not None and proposal is None:
            proposal = services.propose_answers(household, sheet, form.items)
        context: dict[str, Any] = {
            "household": household,
            "sheet": sheet,
            "form": form,
            "sheets": ScoringSheet.objects.restrict(request.user, "view"),
            "reasons": proposal.reasons if proposal else {},
            "missing": {item.pk: reason for item, reason in proposal.missing} if proposal else {},
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        household = self.household(request, pk)
        sheet = _sheet(request)
        items = services.sheet_items(sheet) if sheet else []
        initial: dict[str, Any] = {"date": timezone.localdate()}
        proposal = None
        if sheet is not None:
            proposal = services.propose_answers(household, sheet, items)
            initial.update({f"item_{k}": o.pk for k, o in proposal.answers.items()})
        form = ScoreForm(initial=initial, items=items)
        return self.render_form(request, household, sheet, form, proposal)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        household = self.household(request, pk)
        sheet = _sheet(request)
        if sheet is None:
            raise Http404
        items = services.sheet_items(sheet)
        form = ScoreForm(request.POST, items=items)
        if form.is_valid():
            try:
                score = services.score_household(
                    household,
                    sheet,
                    form.answers(),
                    request.user,
                    date=form.cleaned_data["date"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as e:
                for message in e.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("评分已保存。"))
                return redirect(score.get_absolute_url())
        return self.render_form(request, household, sheet, form)


class HouseholdScoreDetailView(views.ObjectDetailView):
    queryset = HouseholdScore.objects.select_related(
        "household__village", "sheet", "scored_by"
    ).prefetch_related("answers")
    template_name = "registry/score_detail.html"
    fields = ["household", "sheet", "date", "scored_by", "note"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        score = self.object
        context["explanation"] = services.explain(score)
        context["conclusion"] = services.conclusion(score)
        context["can_score"] = (
            Household.objects.restrict(self.request.user, "change")
            .filter(pk=score.household_id)
            .exists()
        )
        return context


class HouseholdScoreListView(views.ObjectListView):
    queryset = HouseholdScore.objects.select_related(
        "household__village", "sheet", "scored_by"
    ).order_by("-date", "-pk")
    filterset_class = HouseholdScoreFilterSet
    table_class = HouseholdScoreTable
    template_name = "registry/householdscore_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_add"] = False  # a score is added from its household's page
        return context


class ScoringSheetListView(views.ObjectListView):
    queryset = ScoringSheet.objects.all()
    filterset_class = ScoringSheetFilterSet
    table_class = ScoringSheetTable


class ScoringSheetDetailView(views.ObjectDetailView):
    queryset = ScoringSheet.objects.prefetch_related("items__options")
    template_name = "registry/scoringsheet_detail.html"
    fields = ["name", "year", "poor_when", "is_default", "description"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["items"] = services.sheet_items(self.object)
        context["can_add_item"] = user.has_perm("registry.add_scoringitem")
        context["can_change_item"] = user.has_perm("registry.change_scoringitem")
        context["can_add_option"] = user.has_perm("registry.add_scoringoption")
        context["can_change_option"] = user.has_perm("registry.change_scoringoption")
        return context


class ScoringSheetCreateView(views.ObjectCreateView):
    queryset = ScoringSheet.objects.all()
    form_class = ScoringSheetForm


class ScoringSheetUpdateView(views.ObjectUpdateView):
    queryset = ScoringSheet.objects.all()
    form_class = ScoringSheetForm


class InitialFromQueryMixin:
    """Pre-fill a create form's parent from the query string (?sheet=3, ?item=7)."""

    initial_from_query: tuple[str, ...] = ()

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in self.initial_from_query:
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial


class ScoringItemCreateView(InitialFromQueryMixin, views.ObjectCreateView):
    queryset = ScoringItem.objects.all()
    form_class = ScoringItemForm
    initial_from_query = ("sheet",)


class ScoringItemUpdateView(views.ObjectUpdateView):
    queryset = ScoringItem.objects.all()
    form_class = ScoringItemForm


class ScoringOptionCreateView(InitialFromQueryMixin, views.ObjectCreateView):
    queryset = ScoringOption.objects.all()
    form_class = ScoringOptionForm
    initial_from_query = ("item",)


class ScoringOptionUpdateView(views.ObjectUpdateView):
    queryset = ScoringOption.objects.all()
    form_class = ScoringOptionForm


class VillageIdentificationView(LoginRequiredMixin, View):
    """A village's batch scoring (a button runs score_village, the results table follows)
    and its exit review for a year."""

    template_name = "registry/village_identification.html"

    def village(self, request: HttpRequest, pk: int) -> Region:
        if not request.user.has_perm("registry.change_household"):
            raise Http404
        return get_object_or_404(
            Region.objects.restrict(request.user, "view").filter(level=Level.VILLAGE), pk=pk
        )

    def context(self, request: HttpRequest, village: Region) -> dict[str, Any]:
        years = list(
            VillageYear.objects.filter(village=village)
            .order_by("-year")
            .values_list("year", flat=True)
        )
        try:
            year = int(request.GET.get("year") or (years[0] if years else 0))
        except ValueError:
            year = years[0] if years else 0
        households = Household.objects.restrict(request.user, "change").filter(village=village)
        return {
            "village": village,
            "sheet": _sheet(request),
            "sheets": ScoringSheet.objects.restrict(request.user, "view"),
            "household_count": households.count(),
            "years": years,
            "year": year,
            "exit": services.village_exit_review(village, year) if year else None,
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        village = self.village(request, pk)
        return render(request, self.template_name, self.context(request, village))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        village = self.village(request, pk)
        context = self.context(request, village)
        if context["sheet"] is None:
            raise Http404
        result = services.score_village(village, context["sheet"], request.user)
        context["result"] = result
        messages.success(
            request,
            _("批量打分完成:{scored}户已评分,{incomplete}户缺项待入户核实。").format(
                scored=len(result.scored), incomplete=len(result.incomplete)
            ),
        )
        return render(request, self.template_name, context)


urlpatterns = [
    path("households/<int:pk>/score/", HouseholdScoreView.as_view(), name="household_score"),
    path("scores/", HouseholdScoreListView.as_view(), name="householdscore_list"),
    path("scores/<int:pk>/", HouseholdScoreDetailView.as_view(), name="householdscore_detail"),
    path(
        "villages/<int:pk>/identification/",
        VillageIdentificationView.as_view(),
        name="village_identification",
    ),
    *model_urls(
        "scoringsheet",
        ScoringSheetListView,
        ScoringSheetDetailView,
        ScoringSheetCreateView,
        ScoringSheetUpdateView,
        plural="scoring-sheets",
    ),
    # Items and options are listed on their sheet's page; these names serve the edit pages'
    # "cancel" links.
    path(
        "scoring-items/",
        RedirectView.as_view(pattern_name="registry:scoringsheet_list"),
        name="scoringitem_list",
    ),
    path(
        "scoring-options/",
        RedirectView.as_view(pattern_name="registry:scoringsheet_list"),
        name="scoringoption_list",
    ),
    path("scoring-items/add/", ScoringItemCreateView.as_view(), name="scoringitem_add"),
    path("scoring-items/<int:pk>/edit/", ScoringItemUpdateView.as_view(), name="scoringitem_edit"),
    path("scoring-options/add/", ScoringOptionCreateView.as_view(), name="scoringoption_add"),
    path(
        "scoring-options/<int:pk>/edit/",
        ScoringOptionUpdateView.as_view(),
        name="scoringoption_edit",
    ),
]
