"""The reminders page (待办提醒) and the menu's badge, loaded by htmx after the page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views import View

from bangfu.ledger.books import Period
from bangfu.ledger.reminders import reminder_count, reminders_for

SHOWN = 100  # rows listed per kind; the heading gives the full count


def _month(value: str | None) -> Period | None:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return Period.month(year, month)
    except (ValueError, TypeError):
        return None


class RemindersView(LoginRequiredMixin, View):
    """What waits on the user, by their role's kinds (see reminders.ROLE_DUE)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        due = reminders_for(request.user, month=_month(request.GET.get("month")))
        counts = due.counts()
        context: dict[str, Any] = {
            "due": due,
            "kinds": [kind.key for kind in due.kinds],
            "counts": counts,
            "links": due.links(),
            "total": sum(counts.values()),
            **{key: list(qs[:SHOWN]) for key, qs in due.found.items()},
            "campaign_running": "unvisited" in counts and due.campaign_running(),
            "shown": SHOWN,
            "month_value": f"{due.month.start:%Y-%m}",
        }
        return render(request, "ledger/reminders.html", context)


class ReminderBadgeView(LoginRequiredMixin, View):
    """The number of things due, as a badge fragment (empty when nothing is due)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "ledger/reminders_badge.html", {"count": reminder_count(request.user)}
        )


reminder_urlpatterns = [
    path("reminders/", RemindersView.as_view(), name="reminders"),
    path("reminders/badge/", ReminderBadgeView.as_view(), name="reminders_badge"),
]
