"""Parsing of the values people type: timezones, languages, offsets, cadences, numbers.

Each parser returns a clean value or raises `InvalidInput` naming the bad value.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.i18n import N_, SUPPORTED
from bot.services.errors import InvalidInput

_OFFSET = re.compile(r"^(\d{1,4})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
MAX_OFFSET = timedelta(days=366)
_CADENCES = {"6m": 6, "3m": 3}
# Digits as typed in Arabic (U+0660…) and Persian (U+06F0…) script.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Thousands separators people type: comma, dot, spaces (incl. no-break), Arabic separator, apostrophe.
_SEPARATORS = re.compile(r"[,.\s\u00a0\u202f\u066c']")


def western_digits(value: str) -> str:
    """Arabic-Indic (and Persian) digits as 0–9, so dates, numbers and references parse
    whichever digits were typed (SPEC §10)."""
    return value.translate(_DIGITS)


def parse_timezone(value: str) -> str:
    """An IANA timezone name, case-insensitively matched (`asia/beirut` → `Asia/Beirut`)."""
    candidate = value.strip()
    if candidate.upper() != "UTC" and "/" not in candidate:
        raise InvalidInput(N_("Unknown timezone “{value}”. Use an IANA name such as Asia/Beirut."), value=value)
    by_lower = {name.lower(): name for name in available_timezones()}
    name = "UTC" if candidate.upper() == "UTC" else by_lower.get(candidate.lower())
    if name is None:
        raise InvalidInput(N_("Unknown timezone “{value}”. Use an IANA name such as Asia/Beirut."), value=value)
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:  # available_timezones() and tzdata disagree
        raise InvalidInput(
            N_("Unknown timezone “{value}”. Use an IANA name such as Asia/Beirut."), value=value
        ) from exc
    return name


def parse_language(value: str) -> str:
    code = value.strip().lower()
    if code not in SUPPORTED:
        raise InvalidInput(N_("Unknown language “{value}”. Choose en, fr or ar."), value=value)
    return code


def parse_languages(value: str) -> list[str]:
    """One or several languages (`ar,en`), first is primary, no duplicates."""
    codes = [parse_language(part) for part in value.split(",") if part.strip()]
    if not codes:
        raise InvalidInput(N_("Unknown language “{value}”. Choose en, fr or ar."), value=value)
    if len(set(codes)) != len(codes):
        raise InvalidInput(N_("Language listed twice in “{value}”."), value=value)
    return codes


def parse_offset(value: str) -> timedelta:
    match = _OFFSET.match(western_digits(value).strip().lower())
    if not match:
        raise InvalidInput(
            N_("Malformed reminder offset “{value}”. Use a number followed by d, h or m, e.g. 14d, 3h, 30m."),
            value=value,
        )
    delta = timedelta(**{_UNITS[match[2]]: int(match[1])})
    if not timedelta(minutes=1) <= delta <= MAX_OFFSET:
        raise InvalidInput(N_("Reminder offset “{value}” must be between 1 minute and 366 days."), value=value)
    return delta


def parse_offsets(value: str) -> list[timedelta]:
    """A comma-separated offset list, returned longest first, without duplicates."""
    parts = [part for part in value.replace(" ", "").split(",") if part]
    if not parts:
        raise InvalidInput(
            N_("Malformed reminder offset “{value}”. Use a number followed by d, h or m, e.g. 14d, 3h, 30m."),
            value=value,
        )
    deltas = [parse_offset(part) for part in parts]
    if len(set(deltas)) != len(deltas):
        raise InvalidInput(N_("Reminder offset listed twice in “{value}”."), value=value)
    return sorted(deltas, reverse=True)


def format_offset(delta: timedelta) -> str:
    """The canonical spelling of an offset (`14d`, `3h`, `30m`), as stored."""
    minutes = int(delta.total_seconds()) // 60
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_cadence(value: str) -> int:
    months = _CADENCES.get(value.strip().lower())
    if months is None:
        raise InvalidInput(N_("Unknown cadence “{value}”. Use 6m (twice a year) or 3m (quarterly)."), value=value)
    return months


def parse_amount(value: str, field: str) -> int:
    """A non-negative whole number, with any thousands separators and Arabic-Indic digits."""
    cleaned = _SEPARATORS.sub("", western_digits(value).strip())
    if not cleaned.isdigit():
        raise InvalidInput(N_("“{value}” is not a valid number for {field}."), value=value, field=field)
    return int(cleaned)


def ascii_digits(value: str) -> str:
    """Arabic-Indic and Persian digits as ASCII digits, the rest unchanged."""
    return value.translate(_DIGITS)
