from bangfu.core.urls import model_urls
from bangfu.geo import views

app_name = "geo"

urlpatterns = model_urls(
    "region",
    views.RegionListView,
    views.RegionDetailView,
    views.RegionCreateView,
    views.RegionUpdateView,
)
