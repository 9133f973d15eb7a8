from django.core.management.base import BaseCommand

from tracker.demo.builder import DEMO_PASSWORD, demo_build


class Command(BaseCommand):
    help = "Build the fictional demo city (units, accounts, progress) once; a second run changes nothing."

    def handle(self, *args, **options):
        result = demo_build()
        if not result.created:
            self.stdout.write("demo city already present; nothing changed")
            return
        self.stdout.write(
            f"demo city: {result.units} units, {result.tasks} tasks, {result.entries} entries. "
            f"Log in as office, leader, guide, unitlead, staff or staff2 with password {DEMO_PASSWORD!r}."
        )
