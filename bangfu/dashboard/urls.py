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

# Charts and the village map (chart_views.py): pages and the JSON they draw from.
from bangfu.dashboard import chart_views  # noqa: E402

urlpatterns += [
    path("dashboard/charts/", chart_views.charts_page, name="charts"),
    path("dashboard/charts/<slug:name>.json", chart_views.chart_data, name="chart_data"),
    path("dashboard/map/", chart_views.map_page, name="map"),
    path("dashboard/map.json", chart_views.map_json, name="map_data"),
]
