"""The unit and user importers; `IMPORTERS` maps a job's kind to its importer."""

from __future__ import annotations

from tracker.imports.importers.base import Importer, problem_text
from tracker.imports.importers.units import UnitImporter
from tracker.imports.importers.users import UserImporter

IMPORTERS: dict[str, type[Importer]] = {UnitImporter.kind: UnitImporter, UserImporter.kind: UserImporter}

__all__ = ["IMPORTERS", "Importer", "UnitImporter", "UserImporter", "problem_text"]
