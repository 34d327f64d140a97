"""`bangfu run-job ID`: run one background job (started by the app; also usable by hand)."""

from django.core.management.base import BaseCommand, CommandParser

from bangfu.core import jobs


class Command(BaseCommand):
    help = "Run one queued background job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args, **options) -> None:
        jobs.limit_memory()  # this process runs the job alone: cap what it may take
        job = jobs.run(options["job_id"])
        self.stdout.write(f"job {job.pk}: {job.state} {job.message}")
