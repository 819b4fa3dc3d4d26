"""Coalitions: setup, settings and group migration (SPEC §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models import Coalition
from bot.services import deadlines, meetings, parsing
from bot.services.errors import InvalidInput, NotFound

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
SETTING_KEYS = ("timezone", "language", "cadence", "reminders", "baseline", "eif", "released_before", "topic")


@dataclass(frozen=True)
class SetupRequest:
    """The arguments of `/setup <Country> [timezone] [language]`, already split."""

    country: str | None
    timezone: str | None = None
    language: str | None = None

    @classmethod
    def parse(cls, args: list[str]) -> SetupRequest:
        """Country names may contain spaces (`Lao PDR`): trailing timezone/language are peeled off."""
        words = list(args)
        language = timezone = None
        if (len(words) >= 3 and _looks_like_timezone(words[-2])) or (words and words[-1].lower() in parsing.SUPPORTED):
            language = parsing.parse_language(words.pop())
        if len(words) >= 2 and _looks_like_timezone(words[-1]):
            timezone = parsing.parse_timezone(words.pop())
        country = " ".join(words).strip() or None
        return cls(country, timezone, language)


def _looks_like_timezone(word: str) -> bool:
    return "/" in word or word.upper() == "UTC"


async def by_chat(session: AsyncSession, chat_id: int) -> Coalition | None:
    return (await session.exec(select(Coalition).where(Coalition.chat_id == chat_id))).first()


def ensure(coalition: Coalition | None) -> Coalition:
    """The group's coalition, or the hint that it must be set up first."""
    if coalition is None:
        raise NotFound(N_("This group is not a coalition yet. A group administrator can run /setup <Country>."))
    return coalition


async def setup(
    session: AsyncSession, chat_id: int, title: str, request: SetupRequest, now: datetime
) -> tuple[Coalition, bool]:
    """Create the coalition of a group, or update the fields given. Returns (coalition, created)."""
    coalition = await by_chat(session, chat_id)
    created = coalition is None
    if coalition is None:
        if request.country is None:
            raise InvalidInput(N_("Give the country: /setup <Country> [timezone] [language]."))
        coalition = Coalition(chat_id=chat_id, country=request.country, created_at=now)
    coalition.title = title
    if request.country:
        coalition.country = request.country
    if request.timezone:
        coalition.timezone = request.timezone
    if request.language:
        coalition.languages = request.language
    session.add(coalition)
    await session.flush()
    return coalition, created


def apply_setting(coalition: Coalition, key: str, value: str) -> None:
    """Validate and set one `/settings` value; raises `InvalidInput` and leaves it unchanged."""
    key = key.lower()
    if key == "timezone":
        coalition.timezone = parsing.parse_timezone(value)
    elif key == "language":
        coalition.languages = ",".join(parsing.parse_languages(value))
    elif key == "cadence":
        coalition.cadence_months = parsing.parse_cadence(value)
    elif key == "reminders":
        coalition.reminder_offsets = ",".join(parsing.format_offset(d) for d in parsing.parse_offsets(value))
    elif key == "baseline":
        amount, _, month = value.strip().partition(" ")
        coalition.baseline_m2 = parsing.parse_amount(amount, "baseline")
        coalition.baseline_period = _month(month) if month.strip() else None
    elif key == "eif":
        amount, _, day = value.strip().partition(" ")
        if not day.strip():
            raise InvalidInput(N_("Give the area and the date: /settings eif <m²> <YYYY-MM-DD>."))
        coalition.eif_m2 = parsing.parse_amount(amount, "eif")
        coalition.eif_on = deadlines.parse_day(day)
    elif key == "released_before":
        coalition.released_before_m2 = parsing.parse_amount(value, "released_before")
    else:
        raise InvalidInput(N_("Unknown setting “{value}”. Settings: {keys}."), value=key, keys=tuple(SETTING_KEYS))


def _month(value: str) -> str:
    """The baseline's month, `YYYY-MM` (a month yet to come is accepted: a survey planned ahead)."""
    match = _MONTH.match(parsing.ascii_digits(value.strip()))
    if match is None or not 1 <= int(match[2]) <= 12:
        raise InvalidInput(N_("“{value}” is not a period: use YYYY-MM, e.g. 2027-03."), value=value)
    return f"{match[1]}-{int(match[2]):02d}"


def set_home_topic(coalition: Coalition, thread_id: int | None) -> None:
    """`/settings topic` sent inside a forum topic makes it home of the bot's own posts;
    sent outside any topic, it sends them back to the general topic."""
    coalition.topic_id = thread_id


async def change_setting(session: AsyncSession, coalition: Coalition, key: str, value: str, now: datetime) -> None:
    """Apply a setting; new reminder offsets re-plan the reminders of upcoming meetings."""
    apply_setting(coalition, key, value)
    session.add(coalition)
    if key.lower() == "reminders":
        await meetings.replan(session, coalition, now)


async def migrate(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> Coalition | None:
    """Move a coalition to its supergroup's id (Telegram's `migrate_to_chat_id`); idempotent."""
    coalition = await by_chat(session, old_chat_id)
    if coalition is None or await by_chat(session, new_chat_id) is not None:
        return None
    coalition.chat_id = new_chat_id
    session.add(coalition)
    return coalition
