from django.urls import path

from bangfu.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/figures/<slug:key>/", views.FigureRecordsView.as_view(), name="figure"),
    path("dashboard/regions/", views.region_search, name="region_search"),
]

# The bulletin (bulletin_views.py): the page and its .docx / PDF downloads.
from bangfu.dashboard import bulletin_views  # noqa: E402

urlpatterns += [
    path("dashboard/bulletin/", bulletin_views.bulletin_page, name="bulletin"),
    path(
        "dashboard/bulletin.<str:fmt>", bulletin_views.bulletin_download, name="bulletin_download"
    ),
]
