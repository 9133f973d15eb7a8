"""Mark the entries ledger rows made (Entry.ledger) and drop the percentage they carried.

A ledger row's entry now counts as one record; the task's number is derived from the count
(tracker.work.progress). Run `manage.py check_progress --fix` afterwards to bring every task's
stored progress in line with the rule.
"""

from django.db import migrations


def mark(apps, schema_editor):
    Entry = apps.get_model("work", "Entry")
    Link = apps.get_model("ledgers", "LedgerEntryLink")
    for ledger in Link.objects.values_list("ledger", flat=True).distinct():
        ids = Link.objects.filter(ledger=ledger).values("entry_id")
        Entry.objects.filter(pk__in=ids).update(ledger=ledger, percent=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0001_initial"),
        ("work", "0005_entry_ledger"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
