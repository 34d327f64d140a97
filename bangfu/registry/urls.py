from bangfu.core.urls import model_urls
from bangfu.registry import views

app_name = "registry"

urlpatterns = model_urls(
    "household",
    views.HouseholdListView,
    views.HouseholdDetailView,
    views.HouseholdCreateView,
    views.HouseholdUpdateView,
)
