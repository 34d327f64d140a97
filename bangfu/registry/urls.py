from bangfu.core.urls import model_urls
from bangfu.registry import views
from bangfu.registry.quality_views import urlpatterns as quality_urlpatterns

app_name = "registry"

urlpatterns = model_urls(
    "household",
    views.HouseholdListView,
    views.HouseholdDetailView,
    views.HouseholdCreateView,
    views.HouseholdUpdateView,
)
urlpatterns += quality_urlpatterns
