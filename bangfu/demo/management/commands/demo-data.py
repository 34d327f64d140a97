"""`bangfu demo-data --seed N --scale X`: load the 2016 Five Thousand Action demo scenario.

The file name carries the hyphen because Django names commands after their module, and
DESIGN.md fixes the command as `demo-data`.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bangfu.accounts.models import User
from bangfu.campaigns.models import Campaign
from bangfu.demo.scenario import CAMPAIGN_NAME, DEMO_PASSWORD, DEMO_USERNAMES, DemoUser, build


def existing_logins() -> list[DemoUser]:
    """The demo users as they are in the database (after an earlier load)."""
    users = User.objects.filter(username__in=DEMO_USERNAMES).select_related(
        "unit", "branch__unit", "region", "member__branch"
    )
    by_name = {u.username: u for u in users}
    logins = []
    for username in DEMO_USERNAMES:
        user = by_name.get(username)
        if user is None:
            continue
        scope = user.region or user.branch or user.unit or user.member or "全省"
        if user.member and not user.branch:
            scope = f"{user.member.name} ({user.member.branch.name})"
        logins.append(DemoUser(username, user.get_role_display(), str(scope)))
    return logins


class Command(BaseCommand):
    help = (
        "Build the demo scenario: Guizhou's 2016 Five Thousand Action with the seed report's "
        "figures at scale 1. Does nothing if the demo campaign is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every count (default 1.0)"
        )

    def handle(self, *args, **options) -> None:
        if options["scale"] <= 0:
            raise CommandError("--scale must be positive.")
        # Already loaded is not an error: `make demo` runs this every time.
        if Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
            self.stdout.write(f"The demo campaign “{CAMPAIGN_NAME}” is already loaded.")
            self.print_logins(existing_logins(), DEMO_PASSWORD)
            return
        verbose = options["verbosity"] > 1
        try:
            scenario = build(
                seed=options["seed"],
                scale=options["scale"],
                stdout=self.stdout if verbose else None,
            )
        except ValueError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded “{CAMPAIGN_NAME}” (seed {scenario.seed}, scale {scenario.scale:g}) "
                f"in {scenario.seconds:.1f}s."
            )
        )
        for name, n in scenario.counts.items():
            self.stdout.write(f"  {name}: {n}")
        self.print_logins(scenario.users, scenario.password)

    def print_logins(self, users: list[DemoUser], password: str) -> None:
        self.stdout.write(f"Logins (password {password}):")
        for user in users:
            self.stdout.write(f"  {user.username:<8} {user.role} — {user.scope}")
