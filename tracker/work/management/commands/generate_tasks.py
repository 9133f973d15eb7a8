from django.core.management.base import BaseCommand

from tracker.work.instantiation import tasks_generate


class Command(BaseCommand):
    help = "Create the tasks missing for active campaigns (new units or templates); never touches existing tasks."

    def handle(self, *args, **options):
        self.stdout.write(f"{tasks_generate()} tasks created")
