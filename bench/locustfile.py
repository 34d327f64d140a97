"""The load test's users (locust): each demo role doing its ordinary day on the demo scenario.

Run by `bench/load.py`, which starts the server and steps the number of users; by hand:
    .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:8000

Weights follow who uses the system most: branch secretaries and village teams recording and
reading, unit committees reviewing, leaders and the office reading figures and lists, an
occasional export. Think time 1–3 s between requests, as a person at a desk or on a phone.
"""

from __future__ import annotations

import datetime
import random

from locust import HttpUser, between, task

PASSWORD = "bangfu2016"
CHARTS = ("trends", "units", "regions", "kinds")
FIGURES = ("villages_paired", "expert_visits", "member_visits", "problems_solved", "funds_yuan")


class Person(HttpUser):
    abstract = True
    username = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.get("/login/", name="/login/")
        self.client.post(
            "/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": f"{self.host}/login/"},
            name="/login/ POST",
        )

    def page(self, url: str, name: str | None = None) -> None:
        self.client.get(url, name=name or url)


class Leader(Person):
    """领导: the dashboard, its charts and a figure's records."""

    username = "viewer"
    weight = 2

    @task(3)
    def dashboard(self) -> None:
        self.page("/")

    @task(2)
    def chart(self) -> None:
        self.page(
            f"/dashboard/charts/{random.choice(CHARTS)}.json", "/dashboard/charts/[name].json"
        )

    @task(1)
    def drill_down(self) -> None:
        self.page(f"/dashboard/figures/{random.choice(FIGURES)}/", "/dashboard/figures/[key]/")


class Office(Person):
    """工委: lists, figures, an export now and then."""

    username = "office"
    weight = 1

    @task(2)
    def dashboard(self) -> None:
        self.page("/")

    @task(3)
    def households(self) -> None:
        self.page(f"/registry/households/?page={random.randint(1, 20)}", "/registry/households/")

    @task(2)
    def ledger(self) -> None:
        self.page(f"/ledger/activities/?page={random.randint(1, 20)}", "/ledger/activities/")

    @task(1)
    def export(self) -> None:
        self.page("/campaigns/pairings/?_export=csv", "/campaigns/pairings/?_export=csv")


class UnitCommittee(Person):
    """单位: the review queue, the unit's pairings and progress."""

    username = "unit"
    weight = 2

    @task(3)
    def review_queue(self) -> None:
        self.page("/ledger/review/")

    @task(1)
    def pairings(self) -> None:
        self.page("/campaigns/pairings/")

    @task(1)
    def progress(self) -> None:
        self.page("/campaigns/progress/")


class BranchSecretary(Person):
    """支部书记 on a phone: records a visit (through the API the page's form shares), reads
    the branch's households and entries."""

    username = "branch"
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        pairings = self.client.get(
            "/api/v1/campaigns/pairings/?kind=branch_village&page_size=5", name="/api/v1/pairings"
        ).json()["results"]
        self.visit = None
        if pairings:
            pairing = pairings[0]
            members = self.client.get(
                f"/api/v1/orgs/members/?branch={pairing['branch']}&page_size=3",
                name="/api/v1/members",
            ).json()["results"]
            self.visit = {
                "campaign": pairing["campaign"],
                "kind": "service_visit",
                "branch": pairing["branch"],
                "village": pairing["village"],
                "participants": [m["id"] for m in members[:2]],
                "summary": "入户走访,了解春耕和务工情况",
            }

    @task(2)
    def record_visit(self) -> None:
        if self.visit is None:
            return
        day = datetime.date(2016, 5, 1) + datetime.timedelta(days=random.randint(0, 180))
        self.client.post(
            "/api/v1/ledger/activities/",
            json={**self.visit, "date": day.isoformat()},
            headers={
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                "Referer": f"{self.host}/",
            },
            name="/api/v1/ledger/activities/ POST",
        )

    @task(3)
    def households(self) -> None:
        self.page("/registry/households/")

    @task(2)
    def entries(self) -> None:
        self.page("/ledger/activities/")

    @task(1)
    def reminders(self) -> None:
        self.page("/ledger/reminders/")
