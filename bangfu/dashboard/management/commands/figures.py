"""`bangfu figures --json`: the headline figures, from the same code as the dashboard."""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bangfu.campaigns.models import Campaign
from bangfu.dashboard.figures import ALL_FIGURES, FIGURES, FigureSlice, compute_all, compute_figures
from bangfu.geo.models import Region
from bangfu.orgs.models import Unit


class Command(BaseCommand):
    help = "Print the campaign's headline figures (default: the latest campaign)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, help="campaign id")
        parser.add_argument("--region", help="region code (12 digits or a prefix)")
        parser.add_argument("--unit", type=int, help="unit id")
        parser.add_argument("--branch", type=int, help="branch id")
        parser.add_argument("--json", action="store_true", help="print JSON with English keys")
        parser.add_argument(
            "--all", action="store_true", help="also the registry and ledger figures"
        )
        parser.add_argument(
            "--rebuild-tallies",
            action="store_true",
            help="recount the dashboard's summary tables from the records first",
        )

    def handle(self, *args, **options) -> None:
        if options["rebuild_tallies"]:
            from bangfu.dashboard import tallies

            tallies.rebuild()
        campaigns = Campaign.objects.all()
        if options["campaign"]:
            campaigns = campaigns.filter(pk=options["campaign"])
        campaign = campaigns.first()
        if campaign is None:
            raise CommandError("No campaign found. Load one with `bangfu demo-data`.")
        prefix = None
        if options["region"]:
            code = options["region"]
            region = Region.objects.filter(code=code.ljust(12, "0")).first()
            prefix = region.prefix if region else code
        if options["unit"] and not Unit.objects.filter(pk=options["unit"]).exists():
            raise CommandError(f"Unit {options['unit']} does not exist.")
        slice_ = FigureSlice(
            campaign=campaign,
            region_prefix=prefix,
            unit_id=options["unit"],
            branch_id=options["branch"],
        )
        figures = compute_all(slice_) if options["all"] else compute_figures(slice_)
        if options["json"]:
            out = {
                k: (
                    int(v)
                    if isinstance(v, Decimal) and v == v.to_integral()
                    else float(v)
                    if isinstance(v, Decimal)
                    else v
                )
                for k, v in figures.items()
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        for fig in ALL_FIGURES if options["all"] else FIGURES:
            self.stdout.write(f"{fig.label}: {figures[fig.key]}{fig.unit}")
