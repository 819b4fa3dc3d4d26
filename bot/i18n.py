"""Languages: gettext catalogs, locale negotiation and Babel formatting for one reader.

There is no "current locale" global or ContextVar: every text is rendered for an explicit
`Lang`, chosen per recipient, so a locale can never leak from one update (or one reminder
recipient) into the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import datetime as Moment  # inside Lang, `datetime` names the method
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

SUPPORTED: tuple[str, ...] = ("en", "fr", "ar")
DEFAULT = "en"
UTC_ZONE = ZoneInfo("UTC")
FSI, PDI = "\u2068", "\u2069"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it (translated later per reader)."""
    return message


def negotiate(code: str | None) -> str | None:
    """Map a Telegram `language_code` (`fr`, `fr-CA`, `ar-LB`…) to a supported language."""
    if not code:
        return None
    return negotiate_locale([code.replace("-", "_")], list(SUPPORTED), sep="_")


@dataclass(frozen=True)
class Lang:
    """Everything needed to write for one reader: translations, locale and timezone."""

    code: str
    translations: NullTranslations
    tz: ZoneInfo = UTC_ZONE

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def rtl(self) -> bool:
        return self.locale.text_direction == "rtl"

    def _(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def isolate(self, text: object) -> str:
        """Wrap ids, names, dates and numbers in FSI…PDI so they stay readable in Arabic."""
        return f"{FSI}{text}{PDI}" if self.rtl else str(text)

    def number(self, value: float | int) -> str:
        return self.isolate(format_decimal(value, locale=self.code))

    def percent(self, value: float) -> str:
        return self.isolate(format_percent(value, locale=self.code))

    def datetime(self, moment: datetime, tz: ZoneInfo | None = None, fmt: str = "medium") -> str:
        """A moment as wall-clock time in `tz` (default: this reader's timezone)."""
        return self.isolate(format_datetime(moment, fmt, tzinfo=tz or self.tz, locale=self.code))

    def appointment(self, moment: Moment, tz: ZoneInfo | None = None) -> str:
        """Full date, short time and UTC offset ("Thursday, April 15, 2027, 9:30 AM GMT+03:00")."""
        local = moment.astimezone(tz or self.tz)
        day = format_date(local.date(), "full", locale=self.code)
        time = format_time(local, "short", locale=self.code)
        joined = self.locale.datetime_formats["medium"].format(time, day)  # the locale's "{1}, {0}"
        return self.isolate(f"{joined} {format_datetime(local, 'ZZZZ', locale=self.code)}")

    def date(self, moment: Moment, tz: ZoneInfo | None = None, fmt: str = "medium") -> str:
        return self.isolate(format_date(moment.astimezone(tz or self.tz).date(), fmt, locale=self.code))


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

    def lang(self, code: str | None, tz: ZoneInfo | str = "UTC") -> Lang:
        code = code if code in self._translations else DEFAULT
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        return Lang(code, self._translations[code], zone)
