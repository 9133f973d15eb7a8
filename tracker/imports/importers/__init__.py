"""The unit and user importers; `IMPORTERS` maps a job's kind to its importer."""

from tracker.imports.importers.base import IMPORTERS, Importer, problem_text

__all__ = ["IMPORTERS", "Importer", "problem_text"]
