"""Every table, imported in one place so metadata and migrations see them all."""

from shared_lives.audit.models import AuditEntry
from shared_lives.auth.models import AuthSession, User
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.equality.models import EqualityRecord
from shared_lives.households.models import Household
from shared_lives.imports.models import ImportedRecord, ImportUpload
from shared_lives.matches.inputs import EngineInput, EngineInputVersion
from shared_lives.matches.models import EngineJob, EngineRun, Introduction, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.rights.models import SubjectAccessRequest
from shared_lives.vocab.models import VocabularyTerm

__all__ = [
    "Arrangement",
    "AuditEntry",
    "AuthSession",
    "Carer",
    "DbsCheck",
    "EngineInput",
    "EngineInputVersion",
    "EngineJob",
    "EngineRun",
    "EqualityRecord",
    "Household",
    "ImportUpload",
    "ImportedRecord",
    "Introduction",
    "Person",
    "Proposal",
    "ProposalResponse",
    "Review",
    "SubjectAccessRequest",
    "TrainingRecord",
    "User",
    "VocabularyTerm",
]
