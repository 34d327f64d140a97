"""Assessment pages: schemes and their indicators, hand scores, trial runs, frozen results,
each unit's score sheet and the records behind each point."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.forms.models import construct_instance
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from bangfu.assessment import exports, services
from bangfu.assessment.choices import Subject
from bangfu.assessment.forms import CopyForm, HandScoreForm, IndicatorForm, SchemeForm
from bangfu.assessment.measures import MEASURES, Period, measure_for
from bangfu.assessment.models import (
    AssessmentResult,
    HandScore,
    Indicator,
    IndicatorScore,
    ResultSet,
    Scheme,
)
from bangfu.assessment.scoring import assessed_units, compute
from bangfu.core.spreadsheets import xlsx_response
from bangfu.core.views import ObjectCreateView, ObjectUpdateView


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


class SchemeListView(LoginRequiredMixin, View):
    """Schemes by campaign with their result versions (the unpublished ones for the office)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        schemes = (
            Scheme.objects.restrict(user, "view")
            .select_related("campaign")
            .prefetch_related(
                Prefetch("result_sets", ResultSet.objects.restrict(user, "view"), "visible")
            )
        )
        return render(
            request,
            "assessment/scheme_list.html",
            {"schemes": schemes, "can_add": user.has_perm("assessment.add_scheme")},
        )


class SchemeDetailView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        scheme = get_object_or_404(
            Scheme.objects.restrict(user, "view").select_related("campaign"), pk=pk
        )
        indicators = [(i, MEASURES.get(i.measure)) for i in scheme.indicators.all()]
        preview = None
        if request.GET.get("preview") and user.has_perm("assessment.add_resultset"):
            preview = compute(scheme, Subject.UNIT)
        return render(
            request,
            "assessment/scheme_detail.html",
            {
                "scheme": scheme,
                "indicators": indicators,
                "result_sets": ResultSet.objects.restrict(user, "view").filter(scheme=scheme),
                "period": Period.of(scheme),
                "in_use": scheme.in_use,
                "latest": services.latest_version(scheme),
                "can_change": user.has_perm("assessment.change_scheme"),
                "can_freeze": user.has_perm("assessment.add_resultset"),
                "can_hand_score": user.has_perm("assessment.add_handscore"),
                "preview": preview,
            },
        )


class SchemeCreateView(ObjectCreateView):
    queryset = Scheme.objects.all()
    form_class = SchemeForm
    template_name = "assessment/edit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("assessment:scheme_list")
        return context


class VersioningMixin:
    """Saving a change to a scheme in use saves it to a new version instead."""

    def versioned(self, scheme: Scheme) -> Scheme:
        target = services.editable_scheme(scheme)
        if target.pk != scheme.pk:
            messages.info(
                self.request,
                _("原方案已有冻结的考核结果,修改已另存为第{version}版。").format(
                    version=target.version
                ),
            )
        return target

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scheme = self.get_scheme()
        context["cancel_url"] = scheme.get_absolute_url()
        if scheme.in_use:
            context["versioning_note"] = _(
                "这个方案已有冻结的考核结果,不能直接修改:保存后将生成新版本,原结果仍按原版本保存。"
            )
        return context


class SchemeUpdateView(VersioningMixin, ObjectUpdateView):
    queryset = Scheme.objects.all()
    form_class = SchemeForm
    template_name = "assessment/edit.html"

    def get_scheme(self) -> Scheme:
        return self.object

    def save_form(self, form: Any) -> Scheme:
        target = self.versioned(Scheme.objects.get(pk=form.instance.pk))
        construct_instance(form, target)
        target.save()
        return target


class IndicatorCreateView(VersioningMixin, ObjectCreateView):
    queryset = Indicator.objects.all()
    form_class = IndicatorForm
    template_name = "assessment/edit.html"

    def get_scheme(self) -> Scheme:
        return get_object_or_404(
            Scheme.objects.restrict(self.request.user, "change"), pk=self.kwargs["scheme"]
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["scheme"] = self.get_scheme()
        return kwargs

    def save_form(self, form: Any) -> Indicator:
        form.instance.scheme = self.versioned(self.get_scheme())
        return form.save()


class IndicatorUpdateView(VersioningMixin, ObjectUpdateView):
    queryset = Indicator.objects.all()
    form_class = IndicatorForm
    template_name = "assessment/edit.html"

    def get_scheme(self) -> Scheme:
        return self.object.scheme

    def save_form(self, form: Any) -> Indicator:
        original = Indicator.objects.get(pk=form.instance.pk)
        scheme = original.scheme
        target_scheme = self.versioned(scheme)
        if target_scheme.pk == scheme.pk:
            return form.save()
        # The same line of the new version (copied in the same order).
        position = [i.pk for i in scheme.indicators.all()].index(original.pk)
        target = list(target_scheme.indicators.all())[position]
        construct_instance(form, target)
        target.save()
        return target


class IndicatorDeleteView(LoginRequiredMixin, View):
    """Take an indicator out of a scheme (out of a new version if the scheme is in use)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "assessment.change_scheme")
        indicator = get_object_or_404(Indicator.objects.restrict(request.user, "change"), pk=pk)
        scheme = services.remove_indicator(indicator)
        if scheme.pk != indicator.scheme_id:
            messages.info(
                request,
                _("原方案已有冻结的考核结果,修改已另存为第{version}版。").format(
                    version=scheme.version
                ),
            )
        messages.success(request, _("已删除指标“{name}”。").format(name=indicator.name))
        return redirect(scheme.get_absolute_url())


class SchemeCopyView(LoginRequiredMixin, View):
    """Copy a scheme to another campaign year, to be edited there."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            _require(request, "assessment.add_scheme")
            self.scheme = get_object_or_404(
                Scheme.objects.restrict(request.user, "view"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = CopyForm(user=request.user, initial={"name": self.scheme.name})
        return render(request, "assessment/copy.html", {"form": form, "scheme": self.scheme})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = CopyForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                copy = services.copy_scheme(
                    self.scheme, form.cleaned_data["campaign"], form.cleaned_data["name"]
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("已复制,请按新年度修改。"))
                return redirect(copy.get_absolute_url())
        return render(request, "assessment/copy.html", {"form": form, "scheme": self.scheme})


class HandScoreView(LoginRequiredMixin, View):
    """The office gives each unit its points on the hand-scored items, with a reason."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            _require(request, "assessment.add_handscore")
            self.scheme = get_object_or_404(
                Scheme.objects.restrict(request.user, "view"), pk=kwargs["pk"]
            )
            self.units = assessed_units(self.scheme)
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: HandScoreForm) -> HttpResponse:
        scores = HandScore.objects.filter(indicator__scheme=self.scheme).select_related(
            "indicator", "unit"
        )
        return render(
            self.request,
            "assessment/hand_scores.html",
            {"scheme": self.scheme, "form": form, "scores": scores.order_by("unit__name")},
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        initial = {"unit": request.GET.get("unit"), "indicator": request.GET.get("indicator")}
        given = HandScore.objects.filter(
            indicator__scheme=self.scheme,
            unit=initial["unit"] or 0,
            indicator=initial["indicator"] or 0,
        ).first()
        if given is not None:  # opened from the list: edit the score given
            initial.update(points=given.points, comment=given.comment)
        return self.render_page(
            HandScoreForm(user=request.user, scheme=self.scheme, units=self.units, initial=initial)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = HandScoreForm(request.POST, user=request.user, scheme=self.scheme, units=self.units)
        if form.is_valid():
            try:
                services.save_hand_score(
                    form.cleaned_data["indicator"],
                    form.cleaned_data["unit"],
                    form.cleaned_data["points"],
                    form.cleaned_data["comment"],
                    request.user,
                )
            except ValidationError as e:
                for field, errors in e.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("已保存评分。"))
                return redirect(reverse("assessment:hand_scores", args=[self.scheme.pk]))
        return self.render_page(form)


class FreezeView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "assessment.add_resultset")
        scheme = get_object_or_404(Scheme.objects.restrict(request.user, "view"), pk=pk)
        result_set = services.freeze(scheme, request.user, request.POST.get("note", "")[:200])
        messages.success(
            request, _("已冻结考核结果第{version}版。").format(version=result_set.version)
        )
        return redirect(result_set.get_absolute_url())


class PublishView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "assessment.publish_resultset")
        result_set = get_object_or_404(ResultSet.objects.restrict(request.user, "view"), pk=pk)
        if request.POST.get("unpublish"):
            services.unpublish(result_set)
            messages.success(request, _("已撤回发布。"))
        else:
            try:
                services.publish(result_set, request.user)
            except ValidationError as e:
                messages.error(request, " ".join(e.messages))
            else:
                messages.success(request, _("已发布,各单位可查看本单位得分。"))
        return redirect(result_set.get_absolute_url())


def _results(user: Any, result_set: ResultSet, subject: str) -> Any:
    return (
        AssessmentResult.objects.restrict(user, "view")
        .filter(result_set=result_set, subject=subject)
        .select_related("unit", "branch")
        .prefetch_related("scores")
        .order_by("rank", "unit__name", "pk")
    )


class ResultSetDetailView(LoginRequiredMixin, View):
    """A frozen result set: each unit's (or branch's) points, score, grade and rank."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        result_set = get_object_or_404(
            ResultSet.objects.restrict(user, "view").select_related("scheme__campaign"), pk=pk
        )
        subject = request.GET.get("subject", Subject.UNIT)
        if subject not in Subject.values:
            raise Http404
        results = _results(user, result_set, subject)
        if request.GET.get("_export") == "xlsx":
            title = _("单位得分") if subject == Subject.UNIT else _("支部得分")
            sheet = exports.results_sheet(result_set, results.iterator(chunk_size=500), title)
            return xlsx_response([sheet], f"{result_set} {title}.xlsx")
        page = Paginator(results, 100).get_page(request.GET.get("page"))
        indicators = list(result_set.scheme.indicators.all())
        rows = [
            (r, [{s.indicator_id: s for s in r.scores.all()}.get(i.pk) for i in indicators])
            for r in page
        ]
        return render(
            request,
            "assessment/resultset_detail.html",
            {
                "result_set": result_set,
                "subject": subject,
                "subjects": Subject.choices,
                "indicators": indicators,
                "rows": rows,
                "page": page,
                "can_publish": user.has_perm("assessment.publish_resultset"),
            },
        )


def _result(request: HttpRequest, pk: int) -> AssessmentResult:
    return get_object_or_404(
        AssessmentResult.objects.restrict(request.user, "view").select_related(
            "unit", "branch", "result_set__scheme__campaign"
        ),
        pk=pk,
    )


class ResultDetailView(LoginRequiredMixin, View):
    """One unit's (or branch's) score sheet; each line links to the records behind it."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        result = _result(request, pk)
        fmt = request.GET.get("_export")
        if fmt == "xlsx":
            return xlsx_response(exports.score_sheet_xlsx(result), f"{result.subject_name}.xlsx")
        if fmt == "pdf":
            from bangfu.core.pdf import FontMissingError

            temp = tempfile.TemporaryFile()
            try:
                exports.write_score_sheet_pdf(result, temp)
            except FontMissingError as e:
                temp.close()
                messages.error(request, str(e))
                return redirect(result.get_absolute_url())
            temp.seek(0)
            return FileResponse(temp, as_attachment=True, filename=f"{result.subject_name}.pdf")
        lines = [(s, MEASURES.get(s.indicator.measure)) for s in exports.score_lines(result)]
        return render(
            request,
            "assessment/result_detail.html",
            {"result": result, "result_set": result.result_set, "lines": lines},
        )


RECORD_TEMPLATES = {
    "ledger.activity": "assessment/records/activity.html",
    "ledger.problem": "assessment/records/problem.html",
    "ledger.project": "assessment/records/project.html",
    "campaigns.pairing": "assessment/records/pairing.html",
    "registry.household": "assessment/records/household.html",
}


class RecordsView(LoginRequiredMixin, View):
    """The records behind one line of a score sheet, as the user's scope lets them see them."""

    def get(self, request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
        result = _result(request, pk)
        score = get_object_or_404(
            IndicatorScore.objects.select_related("indicator"), result=result, indicator=indicator
        )
        if not score.indicator.measure:
            raise Http404
        result_set = result.result_set
        measure = measure_for(score.indicator.measure, score.indicator.params)
        period = Period(result_set.period_start, result_set.period_end)
        campaign = result_set.scheme.campaign
        obj = result.branch if result.branch_id else result.unit
        records = (
            measure.records(obj, campaign, period)
            .restrict(request.user, "view")
            .select_related("village")
        )
        current = measure.compute(obj, campaign, period)
        page = Paginator(records, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "assessment/records.html",
            {
                "result": result,
                "score": score,
                "measure": measure,
                "period": period,
                "page": page,
                "count": page.paginator.count,
                "current": current,
                "changed": current != score.value,
                "record_template": RECORD_TEMPLATES[measure.record_model],
            },
        )
