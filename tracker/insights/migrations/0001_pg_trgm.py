"""pg_trgm gives PostgreSQL the trigram similarity the near-identical-text signal uses (a no-op elsewhere)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [TrigramExtension()]
