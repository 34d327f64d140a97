from bangfu.core.urls import model_urls
from bangfu.orgs import views

app_name = "orgs"

urlpatterns = [
    *model_urls(
        "unit", views.UnitListView, views.UnitDetailView, views.UnitCreateView, views.UnitUpdateView
    ),
    *model_urls(
        "branch",
        views.BranchListView,
        views.BranchDetailView,
        views.BranchCreateView,
        views.BranchUpdateView,
        plural="branches",
    ),
    *model_urls(
        "member",
        views.MemberListView,
        views.MemberDetailView,
        views.MemberCreateView,
        views.MemberUpdateView,
    ),
]
