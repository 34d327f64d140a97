from django.urls import path

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
urlpatterns += model_urls(
    "problem",
    views.ProblemListView,
    views.ProblemDetailView,
    views.ProblemCreateView,
    views.ProblemUpdateView,
)
urlpatterns += model_urls(
    "project",
    views.ProjectListView,
    views.ProjectDetailView,
    views.ProjectCreateView,
    views.ProjectUpdateView,
)
urlpatterns += [
    path("problems/<int:pk>/state/", views.problem_move, name="problem_move"),
    path("review/", views.review_queue, name="review"),
    path("review/action/", views.review_action, name="review_action"),
    path(
        "photos/<int:pk>/<str:size>/",
        views.photo_file,
        name="activityphoto_file",
    ),
]

from bangfu.ledger.book_views import book_urlpatterns  # noqa: E402 (appended section)

urlpatterns += book_urlpatterns

from bangfu.ledger.reminders_views import reminder_urlpatterns  # noqa: E402 (appended section)

urlpatterns += reminder_urlpatterns
