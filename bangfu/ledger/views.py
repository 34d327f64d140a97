"""Ledger pages: quick entry by kind, the review queue, problems and projects."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bangfu.core import views
from bangfu.ledger import services
from bangfu.ledger.choices import ActivityKind, ProblemState
from bangfu.ledger.filtersets import ActivityFilterSet, ProblemFilterSet, ProjectFilterSet
from bangfu.ledger.forms import (
    SOLVES_ON_SITE,
    ActivityForm,
    FundingFormSet,
    MilestoneFormSet,
    ProblemForm,
    ProjectForm,
    SolvedProblemFormSet,
)
from bangfu.ledger.models import Activity, ActivityParticipant, ActivityPhoto, Problem, Project
from bangfu.ledger.photos import check_photo, keep_for_later, max_photos
from bangfu.ledger.tables import ActivityTable, ProblemTable, ProjectTable, ReviewTable
from bangfu.orgs.tables import MemberTable
from bangfu.registry.tables import HouseholdTable

KIND_HINTS = {
    ActivityKind.STAY: gettext_lazy("领导干部进村蹲点:天数、发现、现场解决的问题"),
    ActivityKind.EXPERT_VISIT: gettext_lazy("专业人才进村帮难:帮了哪些户、解决了什么"),
    ActivityKind.SERVICE_VISIT: gettext_lazy(
        "党员进村服务:到村到户为群众办实事(看望帮助结对户、代办证件、送医送药、帮助生产),记下服务了哪些户"
    ),
    ActivityKind.SURVEY: gettext_lazy(
        "入户走访摸底:上门了解家庭情况、收入和致贫原因,核实建档信息(只调查、不帮办)"
    ),
    ActivityKind.POLICY_SUPPORT: gettext_lazy("送政策、送信息:条数"),
    ActivityKind.TECH_SERVICE: gettext_lazy("技术培训和服务:服务人数"),
    ActivityKind.DEV_IDEA: gettext_lazy("帮助完善发展思路:条数"),
    ActivityKind.PARTY_BUILDING: gettext_lazy("帮助村党组织建设"),
    ActivityKind.FUNDS: gettext_lazy("引进资金:金额和来源"),
}


def with_participant_count(queryset: Any) -> Any:
    """Each activity's person-visits as a correlated subquery: unlike a GROUP BY over the
    whole table, it is computed only for the rows of the page."""
    count = (
        ActivityParticipant.objects.filter(activity=OuterRef("pk"))
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(participant_count=Coalesce(Subquery(count), 0))


class ActivityListView(views.ObjectListView):
    queryset = with_participant_count(
        Activity.objects.select_related("unit", "branch", "village")
    ).order_by("-date", "-pk")
    filterset_class = ActivityFilterSet
    table_class = ActivityTable
    layout_key = "activities"


class ActivityDetailView(views.ObjectDetailView):
    queryset = Activity.objects.select_related(
        "unit", "branch", "village", "campaign", "pairing", "author", "reviewed_by"
    )
    template_name = "ledger/activity_detail.html"
    fields = [
        "campaign",
        "kind",
        "date",
        "unit",
        "branch",
        "village",
        "pairing",
        "summary",
        "days",
        "quantity",
        "amount",
        "fund_source",
        "state",
        "return_reason",
        "author",
        "reviewed_by",
        "reviewed_at",
    ]
    related = [
        (gettext_lazy("参加人员"), "participants", MemberTable),
        (gettext_lazy("涉及贫困户"), "households", HouseholdTable),
        (gettext_lazy("相关问题"), "problems", ProblemTable),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["photos"] = self.object.photos.all()
        context["can_review"] = (
            services.reviewable(self.request.user).filter(pk=self.object.pk).exists()
        )
        context["next_entry"] = next_to_review(self.request.user, self.object)
        return context


def next_to_review(user: Any, after: Activity | None) -> Activity | None:
    """The entry the reviewer meets next, in the queue's order (date, then number): the first
    after `after` still awaiting review, else the first in the queue."""
    queue = services.reviewable(user).order_by("date", "pk")
    if after is None:
        return queue.first()
    later = queue.filter(Q(date__gt=after.date) | Q(date=after.date, pk__gt=after.pk))
    return later.first() or queue.exclude(pk=after.pk).first()


class ActivityEditMixin(views.FormsetsMixin):
    """The quick entry form for one kind of work, with problems solved on the spot."""

    queryset = Activity.objects.all()
    form_class = ActivityForm
    template_name = "ledger/activity_edit.html"

    def kind(self) -> str:
        obj = getattr(self, "object", None)
        if obj is not None and obj.pk:
            return obj.kind
        return self.request.POST.get("kind") or self.request.GET.get("kind") or ""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["kind"] = self.kind()
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        if self.request.GET.get("problem"):
            initial["problem"] = self.request.GET["problem"]
        return initial

    def get_formset_classes(self) -> dict[str, tuple[str, Any]]:
        if self.kind() in SOLVES_ON_SITE:
            return {"solved": (_("现场解决的问题"), SolvedProblemFormSet)}
        return {}

    def save_form(self, form: ActivityForm) -> Activity:
        services.after_edit(form.instance, self.request.user)
        try:
            activity = form.save()
        except ValidationError as error:  # a photo that is not an image
            form.add_error("photos", error)
            return form.instance
        if not form.instance.author_id:
            activity.author = self.request.user
            activity.save(update_fields=["author"])
        solved = self._formsets.get("solved")
        if solved is not None:
            for data in solved.cleaned_data:
                if data and data.get("title"):
                    problem = Problem.objects.create(
                        campaign=activity.campaign,
                        village=activity.village,
                        unit_id=activity.unit_id,
                        branch=activity.branch,
                        category=data["category"],
                        title=data["title"],
                        raised_on=activity.date,
                        state=ProblemState.SOLVED,
                        solved_on=activity.date,
                    )
                    problem.activities.add(activity)
        return activity

    def form_invalid(self, form: ActivityForm, formsets: Any = None) -> HttpResponse:
        # A browser cannot fill a file input again: the good photos chosen this time are kept
        # (with those kept before) and posted back as tokens, so they are not chosen twice.
        self.kept_tokens = list(getattr(form, "kept_tokens", []))
        if "photos" in form.fields:
            for upload in self.request.FILES.getlist(form.add_prefix("photos")):
                if len(self.kept_tokens) >= max_photos():
                    break
                try:
                    check_photo(upload)
                except ValidationError:
                    continue
                self.kept_tokens.append(keep_for_later(self.request.user, upload))
        return super().form_invalid(form, formsets)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["kind_label"] = ActivityKind(form.kind).label
        context["kept_tokens"] = getattr(self, "kept_tokens", [])
        return context


class ActivityCreateView(ActivityEditMixin, views.ObjectCreateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("kind") not in ActivityKind.values:
            kinds = [(k, ActivityKind(k).label, KIND_HINTS[k]) for k in ActivityKind.values]
            problem = request.GET.get("problem", "")
            extra = f"&problem={problem}" if problem.isdigit() else ""
            return render(request, "ledger/activity_kinds.html", {"kinds": kinds, "extra": extra})
        return super().get(request, *args, **kwargs)


class ActivityUpdateView(ActivityEditMixin, views.ObjectUpdateView):
    pass


@login_required
def photo_file(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """A photo or its thumbnail, only to users who may see its activity."""
    photo = get_object_or_404(ActivityPhoto.objects.restrict(request.user, "view"), pk=pk)
    field = photo.thumbnail if size == "thumb" else photo.image
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The unit committee's queue: submitted entries to accept or return, one by one or in bulk."""
    if not request.user.has_perm(services.REVIEW_PERMISSION):
        raise PermissionDenied
    queryset = (
        with_participant_count(services.reviewable(request.user))
        .select_related("branch", "village", "author")
        .order_by("date", "pk")
    )
    filterset = ActivityFilterSet(request.GET or None, queryset=queryset, request=request)
    from bangfu.core.tables import RequestConfig

    table = ReviewTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "ledger/review_queue.html",
        {"table": table, "filter": filterset, "count": filterset.qs.count()},
    )


@login_required
@require_POST
def review_action(request: HttpRequest) -> HttpResponse:
    """Accept or return the chosen entries; all of them or, on any error, none. With
    `then=next` (an entry's own page), go on to the next entry awaiting review."""
    # Only entry numbers: a select-all box from an older page posts `ids=on`.
    ids = [v for v in request.POST.getlist("ids") if v.strip().isdigit()]
    action = request.POST.get("action")
    try:
        if action == "accept":
            n = services.accept(request.user, ids)
            messages.success(request, _("已通过{n}条台账。").format(n=n))
        elif action == "return":
            n = services.return_entries(request.user, ids, request.POST.get("reason", ""))
            messages.success(request, _("已退回{n}条台账。").format(n=n))
        else:
            raise ValidationError(_("未知的操作。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if request.POST.get("then") == "next" and len(ids) == 1:
            decided = Activity.objects.filter(pk=ids[0]).first()
            upcoming = next_to_review(request.user, decided)
            return redirect(upcoming.get_absolute_url() if upcoming else "ledger:review")
    following = request.POST.get("next", "")
    if following.startswith("/") and not following.startswith("//"):
        return redirect(following)
    return redirect("ledger:review")


class ProblemListView(views.ObjectListView):
    queryset = Problem.objects.select_related("unit", "village", "owner").order_by(
        "-raised_on", "-pk"
    )
    filterset_class = ProblemFilterSet
    table_class = ProblemTable


class ProblemDetailView(views.ObjectDetailView):
    queryset = Problem.objects.select_related("unit", "branch", "village", "owner", "household")
    template_name = "ledger/problem_detail.html"
    related = [(gettext_lazy("相关活动"), "activities", ActivityTable)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_change = Problem.objects.restrict(user, "change").filter(pk=self.object.pk).exists()
        context["moves"] = (
            [(s, ProblemState(s).label) for s in services.allowed_moves(self.object, user)]
            if can_change
            else []
        )
        return context


class ProblemCreateView(views.ObjectCreateView):
    queryset = Problem.objects.all()
    form_class = ProblemForm


class ProblemUpdateView(views.ObjectUpdateView):
    queryset = Problem.objects.all()
    form_class = ProblemForm


@login_required
@require_POST
def problem_move(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_object_or_404(Problem.objects.restrict(request.user, "view"), pk=pk)
    try:
        from django.utils.dateparse import parse_date

        on = parse_date(request.POST.get("on") or "") if request.POST.get("on") else None
        services.move_problem(problem, request.POST.get("to", ""), request.user, on=on)
        messages.success(
            request, _("问题状态已改为“{state}”。").format(state=problem.get_state_display())
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(problem.get_absolute_url())


class ProjectListView(views.ObjectListView):
    queryset = (
        Project.objects.select_related("unit", "village")
        .annotate(
            total_funds=Sum("fundings__amount"),
            beneficiary_count=Count("beneficiaries", distinct=True),
        )
        .order_by("-date", "-pk")
    )
    filterset_class = ProjectFilterSet
    table_class = ProjectTable


class ProjectDetailView(views.ObjectDetailView):
    queryset = Project.objects.select_related("unit", "branch", "village", "campaign")
    template_name = "ledger/project_detail.html"
    related = [(gettext_lazy("受益贫困户"), "beneficiaries", HouseholdTable)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["fundings"] = self.object.fundings.all()
        context["funds_total"] = sum(f.amount for f in context["fundings"])
        context["milestones"] = self.object.milestones.all()
        return context


class ProjectEditMixin(views.FormsetsMixin):
    queryset = Project.objects.all()
    form_class = ProjectForm
    formset_classes = {
        "fundings": (gettext_lazy("资金来源"), FundingFormSet),
        "milestones": (gettext_lazy("项目节点"), MilestoneFormSet),
    }


class ProjectCreateView(ProjectEditMixin, views.ObjectCreateView):
    pass


class ProjectUpdateView(ProjectEditMixin, views.ObjectUpdateView):
    pass
