"""The ledgers (台账) every unit keeps, one module per ledger family.

Import the models from here (`tracker.ledgers.models`), not from the modules.
"""

from tracker.ledgers.models.base import (
    LONG_TERM_HORIZON,
    TEXT,
    LedgerQuerySet,
    LedgerRow,
    ProgressStatus,
    ledger_upload_to,
)
from tracker.ledgers.models.crowding import CrowdingSnapshot
from tracker.ledgers.models.deeds import DeedArea, PracticalDeed
from tracker.ledgers.models.institutions import Institution, InstitutionAction
from tracker.ledgers.models.links import LedgerEntryLink
from tracker.ledgers.models.rectification import (
    RECTIFICATION_OPEN,
    EvidenceQuerySet,
    MilestoneQuerySet,
    RectificationCategory,
    RectificationEvent,
    RectificationEventKind,
    RectificationEvidence,
    RectificationItem,
    RectificationKind,
    RectificationMilestone,
    RectificationSource,
    RectificationStatus,
)
from tracker.ledgers.models.research import ConversionItem, ResearchReport, ResearchTopic, ResearchVisit
from tracker.ledgers.models.study import StudyKind, StudyMode, StudySession

__all__ = [
    "LONG_TERM_HORIZON",
    "RECTIFICATION_OPEN",
    "TEXT",
    "ConversionItem",
    "CrowdingSnapshot",
    "DeedArea",
    "EvidenceQuerySet",
    "Institution",
    "InstitutionAction",
    "LedgerEntryLink",
    "LedgerQuerySet",
    "LedgerRow",
    "MilestoneQuerySet",
    "PracticalDeed",
    "ProgressStatus",
    "RectificationCategory",
    "RectificationEvent",
    "RectificationEventKind",
    "RectificationEvidence",
    "RectificationItem",
    "RectificationKind",
    "RectificationMilestone",
    "RectificationSource",
    "RectificationStatus",
    "ResearchReport",
    "ResearchTopic",
    "ResearchVisit",
    "StudyKind",
    "StudyMode",
    "StudySession",
    "ledger_upload_to",
]
