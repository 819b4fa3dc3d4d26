"""Who reads a message, in which languages, and whether the bot may write to them at all.

Decided here once for replies, announcements and scheduled messages alike: a group post
carries one block per coalition language (in the coalition's timezone); a private message
is in the reader's language and timezone; the bot writes privately only to someone who
started it and has not blocked it since.
"""

from __future__ import annotations

from bot.i18n import Catalogs, Lang
from bot.models import Coalition, Person
from bot.services import members as member_service
from bot.services.recipients import may_write

__all__ = ["group_langs", "may_write", "person_lang"]


def group_langs(catalogs: Catalogs, coalition: Coalition) -> list[Lang]:
    """The coalition's languages, first one first (its keyboards are in that one)."""
    return catalogs.group(coalition.language_list, coalition.timezone, coalition.country)


def person_lang(catalogs: Catalogs, person: Person | None, coalition: Coalition | None) -> Lang:
    """One reader's language and timezone (their own, else the coalition's)."""
    code = member_service.reader_language(person, coalition)
    tz = (person and person.timezone) or (coalition and coalition.timezone) or "UTC"
    return catalogs.lang(code, tz, coalition.country if coalition else None)
