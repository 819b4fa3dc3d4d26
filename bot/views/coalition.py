"""Texts about the coalition itself: greeting, setup, settings, languages, timezones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import Lang
from bot.models import Coalition
from bot.services.parsing import parse_offset
from bot.views.progress import area, month
from bot.views.render import country, prose, syntax

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}


def greeting(t: Lang) -> str:
    return prose(
        t,
        t._(
            "Hello! I coordinate a Country Coalition under the Convention on Cluster Munitions.\n"
            "A group administrator can register this group with /setup <Country> [timezone] [language], "
            "for example: /setup Lebanon Asia/Beirut ar"
        ),
    )


def setup_done(t: Lang, coalition: Coalition, created: bool) -> str:
    head = (
        t._("This group is now the Country Coalition of {country}.")
        if created
        else t._("The Country Coalition of {country} has been updated.")
    )
    return (
        head.format(country=f"<b>{country(t, coalition.country)}</b>")
        + "\n"
        + settings(t, coalition)
        + "\n"
        + syntax(t, t._("Members: /join [role] [organisation]."))
    )


def languages(t: Lang, coalition: Coalition) -> str:
    """The group languages, first first, each in its own name: العربية، وFrançais، وEnglish."""
    return t.join([t.isolate(LANGUAGE_NAMES[code]) for code in coalition.language_list])


def offsets(t: Lang, coalition: Coalition) -> str:
    """The reminder offsets in words: "14 days, 7 days and 1 day", not `14d,7d,1d`."""
    return t.join([t.duration(parse_offset(code)) for code in coalition.reminder_offsets.split(",")])


def settings(t: Lang, coalition: Coalition) -> str:
    cadence = (
        t._("twice a year (every 6 months)") if coalition.cadence_months == 6 else t._("quarterly (every 3 months)")
    )
    baseline = area(t, coalition.baseline_m2) if coalition.baseline_m2 is not None else t._("not set")
    lines = [
        t._("Timezone: {value}").format(value=t.isolate(coalition.timezone)),
        t._("Languages: {value}").format(value=languages(t, coalition)),
        t._("Meeting cadence: {value}").format(value=cadence),
        t._("Meeting reminders: {value} before").format(value=offsets(t, coalition)),
        t._("Baseline contaminated area: {value}").format(value=baseline),
    ]
    if coalition.baseline_m2 is not None:
        start = (
            month(t, coalition.baseline_period) if coalition.baseline_period else t._("the month of the first report")
        )
        lines.append(t._("Baseline month: {value}").format(value=start))
    if coalition.eif_m2 is not None:
        lines.append(
            t._("Contaminated area at entry into force ({date}): {value} (declared, not from reports)").format(
                date=t.isolate(format_date(coalition.eif_on, "long", locale=t.code)), value=area(t, coalition.eif_m2)
            )
        )
    if coalition.released_before_m2 is not None:
        lines.append(
            t._("Released before the baseline month: {value} (declared, not from reports)").format(
                value=area(t, coalition.released_before_m2)
            )
        )
    if coalition.topic_id is not None:
        lines.append(
            syntax(t, t._("The bot's announcements and reminders go to the topic where /settings topic was sent."))
        )
    return "\n".join(lines)


def settings_overview(t: Lang, coalition: Coalition, web: list[str]) -> str:
    """`web`: the dashboard's lines (bot.views.dashboard.settings_lines)."""
    return (
        t._("<b>Settings of the Country Coalition of {country}</b>").format(country=country(t, coalition.country))
        + "\n"
        + "\n".join([settings(t, coalition), *web])
        + "\n\n"
        + prose(
            t,
            t._(
                "Change one with /settings <name> <value>: timezone Asia/Beirut, language ar,en, "
                "cadence 6m or 3m, reminders 14d,7d,1d, baseline 1200000 [2025-01], "
                "eif 2500000 2011-03-01, released_before 800000, public on|off, network on|off. "
                "In a forum group, /settings topic sent inside a topic makes it home of the bot's posts."
            ),
        )
    )


def setting_changed(t: Lang, coalition: Coalition) -> str:
    return t._("Settings saved.") + "\n" + settings(t, coalition)


def own_language_set(t: Lang) -> str:
    return t._("I will write to you in English from now on.")


def own_timezone_set(t: Lang, zone: str, now: datetime) -> str:
    return t._("Your timezone is now {zone}; it is {time} there.").format(
        zone=t.isolate(zone), time=t.datetime(now, ZoneInfo(zone), "short")
    )
