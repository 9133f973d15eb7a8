from django.core.management.base import BaseCommand

from tracker.work.models import Evidence, PreviewState
from tracker.work.previews import evidence_preview_build


class Command(BaseCommand):
    help = (
        "Make the previews of evidence files that have none yet (a job was lost, or the files predate "
        "previews); with --all, rebuild every preview."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="rebuild every preview, not only missing ones")

    def handle(self, *args, **options):
        evidence = (
            Evidence.objects.all() if options["all"] else Evidence.objects.filter(preview_state=PreviewState.PENDING)
        )
        counts = {state: 0 for state in PreviewState}
        for pk in evidence.order_by("pk").values_list("pk", flat=True).iterator():
            state = evidence_preview_build(evidence_id=pk)
            if state is not None:
                counts[state] += 1
        self.stdout.write(
            f"{counts[PreviewState.READY]} previews made, {counts[PreviewState.NONE]} files without a preview"
        )
