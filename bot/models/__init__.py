"""Database tables (SQLModel), one module per area; importing this package registers them all.

Every datetime is stored as naive UTC and read back as aware UTC (`UTCDateTime`), so SQLite
and PostgreSQL behave the same. Telegram ids are 64-bit (`BigInteger`).
"""

from bot.models.base import UTCDateTime
from bot.models.coalition import Coalition, Membership, Person
from bot.models.meetings import Delivery, Meeting, Reminder, Rsvp
from bot.models.updates import ProcessedUpdate

__all__ = ["Coalition", "Delivery", "Meeting", "Membership", "Person", "ProcessedUpdate", "Reminder", "Rsvp", "UTCDateTime"]
