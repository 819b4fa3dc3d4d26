"""Reading what people write about action points: `AP3` references, status words in English,
French and Arabic, percentages, and MeetBot-style `#AP3` tags inside ordinary group messages.

Status words are recognised only right after the reference (`/update AP3 done …`,
`#AP3 en cours 60% …`), never anywhere in a sentence: "تم" or "done" in the middle of a
report must not close an action point by accident.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.i18n import N_
from bot.services.errors import InvalidInput
from bot.services.parsing import _DIGITS, western_digits

STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "open": ("open", "ouvert", "ouverte", "مفتوح", "مفتوحة"),
    "progress": ("progress", "in progress", "ongoing", "en cours", "قيد التنفيذ"),
    "blocked": ("blocked", "bloqué", "bloquée", "متعثر", "متعثرة"),
    "done": ("done", "completed", "terminé", "terminée", "achevé", "منجز", "منجزة"),
}
"""The glossary's words (and their feminine forms), matched without case, accents or harakat."""

_REFERENCE = re.compile(r"^#?ap(\d{1,6})$|^(\d{1,6})$", re.I)
TAG = re.compile(r"(?<![\w#])#AP(\d{1,6})\b", re.I)
_PERCENT = re.compile(r"(\d{1,3})\s?[%٪]")
_SEPARATORS = " \t\n:,;.-–—"
_TRAILING = ".,:;!-–—"


def normalise(text: str) -> str:
    """Case-, accent- and harakat-insensitive form used to compare status words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ـ", ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_PHRASES: list[tuple[tuple[str, ...], str]] = sorted(
    ((tuple(normalise(phrase).split()), status) for status, phrases in STATUS_WORDS.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)


def parse_reference(value: str) -> int:
    """`AP3`, `#AP3`, `ap3` or `3`."""
    match = _REFERENCE.match(western_digits(value).strip())
    if not match:
        raise InvalidInput(N_("“{value}” is not an action point number; use AP3 or 3."), value=value)
    return int(match[1] or match[2])


@dataclass(frozen=True)
class Progress:
    """What an update says: a status, a percentage (each optional) and free text."""

    status: str | None
    percent: int | None
    text: str

    @property
    def changes(self) -> bool:
        return self.status is not None or self.percent is not None


def _status_prefix(text: str) -> tuple[str, str] | None:
    words = text.split()
    for phrase, status in _PHRASES:
        if len(words) >= len(phrase) and tuple(normalise(w.rstrip(_TRAILING)) for w in words[: len(phrase)]) == phrase:
            parts = text.split(maxsplit=len(phrase))
            return status, parts[len(phrase)] if len(parts) > len(phrase) else ""
    return None


def parse_progress(text: str, *, strict: bool) -> Progress:
    """`[status] [NN%] text` in either order. `strict` (a command) refuses a bad percentage;
    otherwise (a conversational message) a number that is not a percentage stays text."""
    rest, status, percent = text.strip(), None, None
    for _ in range(2):
        rest = rest.lstrip(_SEPARATORS)
        found = _status_prefix(rest) if status is None else None
        if found:
            status, rest = found
            continue
        match = _PERCENT.match(rest.translate(_DIGITS)) if percent is None else None
        if match is None:
            break
        value = int(match[1])
        if value > 100:
            if strict:
                raise InvalidInput(N_("“{value}” is not a percentage between 0 and 100."), value=match[0])
            break
        percent, rest = value, rest[match.end() :]
    return Progress(status, percent, clean(rest))


def clean(text: str) -> str:
    """One line, without the separators left around a removed tag or status word."""
    return " ".join(text.split()).strip(_SEPARATORS)


@dataclass(frozen=True)
class Tagged:
    """One `#APn` mention of a group message and what it says about that action point."""

    number: int
    progress: Progress


def find_tags(text: str) -> list[Tagged]:
    """Every action point a message mentions, each with the words that follow its tag.

    Text before the first tag is context shared by all mentions ("Teams deployed #AP3 #AP4");
    text after a tag belongs to that tag ("#AP3 done, #AP4 blocked: no permits"). A point
    mentioned twice keeps its first mention.
    """
    matches = list(TAG.finditer(text))
    if not matches:
        return []
    lead = clean(text[: matches[0].start()])
    found: dict[int, Tagged] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        progress = parse_progress(text[match.end() : end], strict=False)
        body = " ".join(part for part in (lead, progress.text) if part)
        found.setdefault(int(match[1]), Tagged(int(match[1]), Progress(progress.status, progress.percent, body)))
    return list(found.values())
