from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import URLPattern, path

from bangfu.core import import_views, views

app_name = "core"

urlpatterns = [
    path("search/<str:model_label>/", views.SearchView.as_view(), name="search"),
    path("imports/<slug:key>/", import_views.import_page, name="import"),
    path("imports/<slug:key>/template/", import_views.import_template, name="import_template"),
    path("jobs/<int:pk>/", import_views.job_page, name="job"),
    path("jobs/<int:pk>/commit/", import_views.job_commit, name="job_commit"),
    path("favicon.ico", lambda request: favicon(request)),
]


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says."""
    return HttpResponsePermanentRedirect(static("bangfu/favicon.svg"))


def model_urls(
    model_name: str,
    list_view: type,
    detail_view: type,
    create_view: type,
    update_view: type,
    plural: str | None = None,
) -> list[URLPattern]:
    """The four standard pages of a model, named <model>_list, _detail, _add, _edit."""
    base = plural or f"{model_name}s"
    return [
        path(f"{base}/", list_view.as_view(), name=f"{model_name}_list"),
        path(f"{base}/add/", create_view.as_view(), name=f"{model_name}_add"),
        path(f"{base}/<int:pk>/", detail_view.as_view(), name=f"{model_name}_detail"),
        path(f"{base}/<int:pk>/edit/", update_view.as_view(), name=f"{model_name}_edit"),
    ]
