from bangfu.core.urls import model_urls
from bangfu.registry import views
from bangfu.registry.exit_views import urlpatterns as exit_urlpatterns
from bangfu.registry.identification_views import urlpatterns as identification_urlpatterns
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
urlpatterns += identification_urlpatterns
urlpatterns += exit_urlpatterns
