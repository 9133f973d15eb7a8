"""The ledgers' models, one module per ledger family; import them from here."""

from tracker.ledgers.models.base import *  # noqa: F403
