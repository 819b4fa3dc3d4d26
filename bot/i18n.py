"""Languages: gettext catalogs, locale negotiation and Babel formatting for one reader.

There is no "current locale" global or ContextVar: every text is rendered for an explicit
`Lang`, chosen per recipient, so a locale can never leak from one update (or one reminder
recipient) into the next.

A `Lang` knows the coalition's country (its `region`), so dates use the month names and
numbers the digits of that country's variant of the language when Babel has one (`ar_LB`:
أيار، حزيران، آب and Arabic-Indic digits); and, for a group post, the other group languages
(`peers`), so one keyboard can carry every group language's label (SPEC §3).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta
from datetime import datetime as Moment  # inside Lang, `datetime` names the method
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, localedata, negotiate_locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from babel.units import format_unit

SUPPORTED: tuple[str, ...] = ("en", "fr", "ar")
DEFAULT = "en"
UTC_ZONE = ZoneInfo("UTC")
FSI, LRI, PDI, RLM = "\u2068", "\u2066", "\u2069", "\u200f"
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
"""Direction marks, embeddings, overrides and isolates (SPEC §10): never part of what people mean."""
BUTTON_LIMIT = 24
"""A button shows every group language's label when they fit in this many characters (SPEC §3)."""
_UNITS = ((24 * 60, "duration-day"), (60, "duration-hour"), (1, "duration-minute"))


def N_(message: str) -> str:
    """Mark a message for extraction without translating it (translated later per reader)."""
    return message


def strip_bidi(text: str) -> str:
    """The text without invisible direction controls, as every parser must see it."""
    return BIDI_CONTROLS.sub("", text)


def negotiate(code: str | None) -> str | None:
    """Map a Telegram `language_code` (`fr`, `fr-CA`, `ar-LB`…) to a supported language."""
    if not code:
        return None
    return negotiate_locale([code.replace("-", "_")], list(SUPPORTED), sep="_")


def _key(name: str) -> str:
    """A country name compared without case, accents, harakat or the Arabic article."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("-", " ").split())


def territory(country: str | None) -> str | None:
    """The ISO 3166 code of a country given by code or by its name in en, fr or ar, else None.

    `LB`, `Lebanon`, `Liban`, `لبنان` → `LB`; free text ("Test country") → None.
    """
    if not country:
        return None
    wanted = _key(strip_bidi(country))
    index = _countries()
    return index.get(wanted) or index.get(wanted.upper()) or index.get(wanted.removeprefix("ال"))


@cache
def _countries() -> Mapping[str, str]:
    """Every country's ISO code and its names in the supported languages → ISO code.

    Built once from Babel's (immutable) locale data; read-only."""
    index: dict[str, str] = {}
    for code in SUPPORTED:
        for iso, name in Locale.parse(code).territories.items():
            if len(iso) == 2 and iso.isalpha():
                index[iso] = iso
                index.setdefault(_key(name), iso)
                index.setdefault(_key(name).removeprefix("ال"), iso)
    return MappingProxyType(index)


@dataclass(frozen=True)
class Lang:
    """Everything needed to write for one reader: translations, locale and timezone."""

    code: str
    translations: NullTranslations
    tz: ZoneInfo = UTC_ZONE
    region: str | None = None  # the coalition's country (ISO code), for regional formats
    peers: tuple[Lang, ...] = ()  # the other languages of a group post, for its buttons

    @cached_property
    def locale(self) -> Locale:
        """The regional variant for the coalition's country when Babel has it (`ar_LB`)."""
        regional = f"{self.code}_{self.region}" if self.region else None
        return Locale.parse(regional if regional and localedata.exists(regional) else self.code)

    @property
    def rtl(self) -> bool:
        return self.locale.text_direction == "rtl"

    @property
    def mark(self) -> str:
        """RLM for right-to-left readers: a line made only of isolated parts (a title, `NPA:
        Nadia`) has no strong character of its own and would otherwise be laid out left to right."""
        return RLM if self.rtl else ""

    @property
    def arrow(self) -> str:
        """An arrow pointing forward in the reader's writing direction."""
        return "←" if self.rtl else "→"

    def country_name(self, name: str) -> str:
        """A coalition's country as the reader names it (Liban, لبنان), else as typed."""
        code = territory(name)
        return Locale.parse(self.code).territories.get(code, name) if code else name

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return str(self.translations.pgettext(context, message))

    # Direction -------------------------------------------------------------------------

    def isolate(self, text: object) -> str:
        """Wrap ids, names, dates, numbers and user text in FSI…PDI so they stay readable in Arabic."""
        return f"{FSI}{text}{PDI}" if self.rtl else str(text)

    def ltr(self, text: object) -> str:
        """Wrap syntax that is always left to right (commands, `@names`, `#AP3`) in LRI…PDI."""
        return f"{LRI}{text}{PDI}" if self.rtl else str(text)

    # Lists and buttons --------------------------------------------------------------------

    def join(self, items: list[str] | tuple[str, ...]) -> str:
        """An enumeration the locale's way: `A, B and C`, `A, B et C`, `A، وB، وC`."""
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        if len(items) == 2:  # "A and B", "A et B", "A وB" (Babel's "unit-short" has no two-item form)
            return format_list(items, style="standard", locale=self.locale)
        # Arabic's "standard" runs three Latin names together ("A وB وC"): "unit-short" keeps the ،
        style: Literal["unit-short", "standard"] = "unit-short" if self.rtl else "standard"
        return format_list(items, style=style, locale=self.locale)

    def button(self, label: Callable[[Lang], str], icon: str) -> str:
        """A button label in every group language (" · ") when short enough, else icon + first.

        `label` is a function of a `Lang` returning that language's label, so each peer
        translates it (the catalogs give the words, `pgettext` keeps buttons apart from counts).
        """
        labels = list(dict.fromkeys(label(t) for t in (self, *self.peers)))
        joined = " · ".join(labels)
        if len(labels) == 1 or len(joined) <= BUTTON_LIMIT:
            return joined
        return f"{icon} {labels[0]}"

    # Numbers, durations, dates ------------------------------------------------------------

    def number(self, value: float | int) -> str:
        return self.isolate(format_decimal(value, locale=self.locale))

    def percent(self, value: float) -> str:
        return self.isolate(format_percent(value, locale=self.locale))

    def duration(self, delta: timedelta) -> str:
        """An exact duration in words: 14 days (not "2 weeks"), 3 hours, 30 minutes."""
        minutes = int(delta.total_seconds()) // 60
        size, unit = next((s, u) for s, u in _UNITS if minutes % s == 0)
        words = format_unit(minutes // size, unit, "long", locale=self.locale)
        return re.sub(r"(?<=\d) ", "\u00a0", words)  # the number never wraps away from its unit

    def datetime(self, moment: datetime, tz: ZoneInfo | None = None, fmt: str = "medium") -> str:
        """A moment as wall-clock time in `tz` (default: this reader's timezone)."""
        return self.isolate(format_datetime(moment, fmt, tzinfo=tz or self.tz, locale=self.locale))

    def appointment(self, moment: Moment, tz: ZoneInfo | None = None) -> str:
        """Full date, short time and UTC offset: "jeudi 15 avril 2027 à 09:30 UTC+03:00"."""
        local = moment.astimezone(tz or self.tz)
        joined = self.pgettext("date at time", "{date}, {time}").format(
            date=self.day_text(local.date(), "full"), time=format_time(local, "short", locale=self.locale)
        )
        return self.isolate(f"{joined} {format_datetime(local, 'ZZZZ', locale=self.locale)}")

    def date(self, moment: Moment, tz: ZoneInfo | None = None, fmt: str = "medium") -> str:
        return self.day(moment.astimezone(tz or self.tz).date(), fmt)

    def day(self, value: Date, fmt: str = "medium") -> str:
        """A calendar date, isolated for Arabic readers."""
        return self.isolate(self.day_text(value, fmt))

    def day_text(self, value: Date, fmt: str = "medium") -> str:
        """A calendar date as formal writing has it: "1er avril 2027"; Arabic in words, not `31‏/05‏/2027`."""
        if self.rtl and fmt in ("short", "medium"):
            fmt = "long"
        pattern = self.locale.date_formats[fmt].pattern
        if self.code == "fr" and value.day == 1 and "MMM" in pattern:
            pattern = re.sub(r"(?<![d'])d(?!d)", "d'er'", pattern)
        return format_date(value, pattern, locale=self.locale)


class Catalogs:
    """The compiled catalogs of `locales/`, loaded once at start-up."""

    def __init__(self, locales_dir: Path) -> None:
        self._translations: dict[str, NullTranslations] = {}
        for code in SUPPORTED:
            mo = locales_dir / code / "LC_MESSAGES" / "messages.mo"
            if code != DEFAULT and not mo.exists():
                raise FileNotFoundError(f"{mo} is missing: compile the catalogs with `pybabel compile -d locales`")
            self._translations[code] = (
                Translations.load(str(locales_dir), [code]) if mo.exists() else NullTranslations()
            )

    def lang(self, code: str | None, tz: ZoneInfo | str = "UTC", country: str | None = None) -> Lang:
        """One reader's language; `country` is the coalition's (for its regional formats)."""
        code = code if code in self._translations else DEFAULT
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        return Lang(code, self._translations[code], zone, territory(country))

    def group(self, codes: list[str], tz: ZoneInfo | str, country: str | None) -> list[Lang]:
        """A group's languages, first first; the first knows the others for bilingual buttons."""
        langs = [self.lang(code, tz, country) for code in codes]
        first = langs[0]
        return [Lang(first.code, first.translations, first.tz, first.region, tuple(langs[1:])), *langs[1:]]
