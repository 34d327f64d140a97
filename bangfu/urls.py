from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bangfu.accounts.login import LoginView

urlpatterns = [
    path("", include("bangfu.dashboard.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("bangfu.core.urls")),
    path("accounts/", include("bangfu.accounts.urls")),
    path("geo/", include("bangfu.geo.urls")),
    path("orgs/", include("bangfu.orgs.urls")),
    path("registry/", include("bangfu.registry.urls")),
    path("campaigns/", include("bangfu.campaigns.urls")),
    path("ledger/", include("bangfu.ledger.urls")),
    path("coops/", include("bangfu.coops.urls")),
    path("assessment/", include("bangfu.assessment.urls")),
    path("api/", include("bangfu.api.urls")),
]
