"""Database tables (SQLModel), one module per area; importing this package registers them all.

Every datetime is stored as naive UTC and read back as aware UTC (`UTCDateTime`), so SQLite
and PostgreSQL behave the same. Telegram ids are 64-bit (`BigInteger`).
"""

from bot.models.actions import ActionMessage, ActionPoint, ActionUpdate, Note
from bot.models.agenda import AgendaPoll, Concern, ConcernLimit, ConcernQuota, PollOption, PollVote, Proposal
from bot.models.base import UTCDateTime
from bot.models.coalition import Coalition, GroupAdmin, Membership, Organisation, Person
from bot.models.meetings import Delivery, Meeting, Reminder, Rsvp
from bot.models.needs import Need, Pledge, PledgeStep
from bot.models.outbox import OutboxMessage, Worker
from bot.models.progress import ArchivedReport, Article7Submission, ProgressReport, TreatyDeadline
from bot.models.updates import DialogState, EditNotice, ProcessedUpdate

__all__ = [
    "ActionMessage",
    "ActionPoint",
    "ActionUpdate",
    "AgendaPoll",
    "ArchivedReport",
    "Article7Submission",
    "Coalition",
    "Concern",
    "ConcernLimit",
    "ConcernQuota",
    "Delivery",
    "DialogState",
    "EditNotice",
    "GroupAdmin",
    "Meeting",
    "Membership",
    "Need",
    "Note",
    "Organisation",
    "OutboxMessage",
    "Person",
    "Pledge",
    "PledgeStep",
    "PollOption",
    "PollVote",
    "ProcessedUpdate",
    "ProgressReport",
    "Proposal",
    "Reminder",
    "Rsvp",
    "TreatyDeadline",
    "UTCDateTime",
    "Worker",
]
