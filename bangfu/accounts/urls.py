from django.urls import path

from bangfu.accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "reveal/<str:app_label>/<str:model_name>/<int:pk>/<str:field>/",
        views.reveal,
        name="reveal",
    ),
    path("access-log/", views.AccessLogListView.as_view(), name="accesslog_list"),
]
