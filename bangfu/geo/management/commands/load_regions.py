"""`bangfu load_regions`: load Guizhou's division tree (province to village) into Region."""

from django.core.management.base import BaseCommand

from bangfu.geo.services import load_regions


class Command(BaseCommand):
    help = "Load Guizhou's statistical divisions (province to village); safe to run again."

    def handle(self, *args, **options) -> None:
        created = load_regions()
        self.stdout.write(f"Created {created} regions.")
