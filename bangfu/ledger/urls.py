from bangfu.core.urls import model_urls
from bangfu.ledger import views

app_name = "ledger"

urlpatterns = model_urls(
    "activity",
    views.ActivityListView,
    views.ActivityDetailView,
    views.ActivityCreateView,
    views.ActivityUpdateView,
    plural="activities",
)

from bangfu.ledger.book_views import book_urlpatterns  # noqa: E402 (appended section)

urlpatterns += book_urlpatterns
