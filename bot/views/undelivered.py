"""The managers' notice of messages Telegram refused for good (SPEC §11)."""

from __future__ import annotations

from bot.i18n import Lang
from bot.models import Coalition
from bot.services.members import Member
from bot.services.undelivered import Failures
from bot.views.members import who
from bot.views.render import country, syntax


def _names(t: Lang, people: dict[int, tuple[Member, int]]) -> tuple[str, int]:
    """The people, and how many messages they missed between them."""
    return t.join([who(t, member) for member, _ in people.values()]), sum(n for _, n in people.values())


def notice(t: Lang, coalition: Coalition, failures: Failures) -> str:
    lines = [
        t._("⚠️ Country Coalition of {country}: some of the bot's messages did not arrive.").format(
            country=country(t, coalition.country)
        )
    ]
    if failures.blocked:
        names, missed = _names(t, failures.blocked)
        lines.append(
            "• "
            + t.ngettext(
                "{names} blocked the bot and missed {n} reminder or notice.",
                "{names} blocked the bot and missed {n} reminders or notices.",
                missed,
            ).format(names=names, n=t.number(missed))
            + " "
            + syntax(t, t._("They receive the bot's messages again once they send /start to it."))
        )
    if failures.refused:
        names, missed = _names(t, failures.refused)
        lines.append(
            "• "
            + t.ngettext(
                "Telegram refused {n} message to {names}.",
                "Telegram refused {n} messages to {names}.",
                missed,
            ).format(names=names, n=t.number(missed))
        )
    if failures.group_refused:
        lines.append(
            "• "
            + t.ngettext(
                "Telegram refused {n} message to the group: is the bot still a member allowed to write there?",
                "Telegram refused {n} messages to the group: is the bot still a member allowed to write there?",
                failures.group_refused,
            ).format(n=t.number(failures.group_refused))
        )
    lines.append(syntax(t, t._("/members shows who the bot can write to.")))
    return "\n".join(lines)
