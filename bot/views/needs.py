"""Texts of resource mobilisation (SPEC §13): needs, pledges, `/needs`, the gap and its reminders.

Amounts are shown with Babel's currency format for the reader's locale; whole amounts
without decimals (`$450,000`, `450 000 $US`, `‏450,000 US$`). Every line stays short, so
a long list splits cleanly at line boundaries.
"""

from __future__ import annotations

from copy import copy
from datetime import date
from decimal import Decimal

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

from bot.i18n import N_, Lang
from bot.models import Coalition, Meeting, Need, Person, Pledge
from bot.services.needs import PRIORITY_NAMES, Funding, NeedTotals
from bot.views.meetings import title as meeting_title
from bot.views.render import country, esc

STATE_NAMES: dict[str, str] = {
    "pledged": N_("pledged"),
    "committed": N_("committed"),
    "disbursed": N_("disbursed"),
    "withdrawn": N_("withdrawn"),
}
PRIORITY_ICONS = {"high": "🔴", "medium": "🟠", "low": "⚪"}


def money(t: Lang, minor: int, code: str) -> str:
    """An amount in minor units, as the reader's locale writes it; whole amounts without decimals."""
    precision = get_currency_precision(code)
    whole, fraction = divmod(minor, 10**precision)
    if fraction:
        text = format_currency(Decimal(minor).scaleb(-precision), code, locale=t.code)
    else:
        pattern = copy(t.locale.currency_formats["standard"])  # the locale's own pattern, no decimals
        pattern.frac_prec = (0, 0)
        text = pattern.apply(whole, t.locale, currency=code, currency_digits=False)
    symbol = get_currency_symbol(code, locale=t.code)
    if t.rtl and any(c.isascii() and c.isalpha() for c in symbol):
        # A Latin symbol such as "US$" ends in a neutral "$" that an RTL paragraph moves to the
        # left of "US" ("$US"): the symbol is kept left to right on its own.
        text = text.replace(symbol, t.ltr(symbol), 1)
    return t.isolate(text)


def amounts(t: Lang, by_currency: dict[str, int]) -> str:
    return " · ".join(money(t, value, code) for code, value in by_currency.items())


def need_ref(t: Lang, need: Need) -> str:
    return t.isolate(f"N{need.number}")


def pledge_ref(t: Lang, pledge: Pledge) -> str:
    return t.isolate(f"PL{pledge.number}")


def _month(t: Lang, period: str) -> str:
    year, number = period.split("-")
    return t.isolate(format_skeleton("yMMMM", date(int(year), int(number), 1), locale=t.code))


def _day(t: Lang, day: date) -> str:
    return t.isolate(format_date(day, "long", locale=t.code))


def priority_name(t: Lang, priority: str) -> str:
    return t._(PRIORITY_NAMES[priority])


def state_name(t: Lang, state: str) -> str:
    return t._(STATE_NAMES[state])


def _need_head(t: Lang, need: Need) -> str:
    parts = [f"{PRIORITY_ICONS.get(need.priority, '')} <b>{need_ref(t, need)} {esc(need.title)}</b>"]
    parts.append(money(t, need.amount, need.currency) if need.amount is not None else t._("in kind"))
    if need.due_month:
        parts.append(t._("by {month}").format(month=_month(t, need.due_month)))
    parts.append(t._("priority {priority}").format(priority=priority_name(t, need.priority)))
    return " · ".join(parts)


def need_registered(t: Lang, need: Need) -> str:
    return "\n".join(
        [
            "📌 " + t._("Need {ref} registered.").format(ref=need_ref(t, need)),
            _need_head(t, need),
            t._(
                "Donors pledge with <code>/pledge N{number} 100000 {currency}</code> "
                "or <code>/pledge N{number} in-kind …</code>."
            ).format(number=need.number, currency=need.currency or "USD"),
        ]
    )


def need_closed(t: Lang, need: Need) -> str:
    return "✅ " + t._("Need {ref} closed: {title}.").format(ref=need_ref(t, need), title=esc(need.title))


def _pledge_what(t: Lang, pledge: Pledge) -> str:
    if pledge.amount is None:
        return t._("in kind: {what}").format(what=esc(pledge.in_kind))
    return money(t, pledge.amount, pledge.currency)


def pledge_line(t: Lang, pledge: Pledge, recorder: Person | None) -> str:
    """One pledge on one line: donor, amount, state (dated), expected date, who recorded it."""
    parts = [
        t._("{ref} {organisation}: {what}").format(
            ref=pledge_ref(t, pledge), organisation=f"<b>{esc(pledge.organisation)}</b>", what=_pledge_what(t, pledge)
        )
    ]
    state = state_name(t, pledge.state)
    moment = {
        "pledged": pledge.pledged_at,
        "committed": pledge.committed_at,
        "disbursed": pledge.disbursed_at,
        "withdrawn": pledge.withdrawn_at,
    }[pledge.state]
    parts.append(t._("{state} on {date}").format(state=state, date=t.date(moment)))
    if pledge.state == "committed" and pledge.disbursed:
        parts.append(t._("disbursed so far: {amount}").format(amount=money(t, pledge.disbursed, pledge.currency)))
    if pledge.by_date and pledge.state in ("pledged", "committed"):
        parts.append(t._("expected by {date}").format(date=_day(t, pledge.by_date)))
    if pledge.confirmed_at is None:
        name = esc(recorder.full_name) if recorder is not None and recorder.full_name else t._("a manager")
        parts.append(t._("recorded by {name}, awaiting the donor's confirmation").format(name=name))
    if pledge.note:
        parts.append(esc(pledge.note))
    if pledge.reason:
        parts.append(esc(pledge.reason))
    return " · ".join(parts)


def pledge_recorded(t: Lang, pledge: Pledge, need: Need, recorder: Person | None) -> str:
    return "\n".join(
        [
            "🤝 "
            + t._("Pledge {ref} to need {need} recorded.").format(ref=pledge_ref(t, pledge), need=need_ref(t, need)),
            pledge_line(t, pledge, recorder),
        ]
    )


def pledge_changed(t: Lang, pledge: Pledge, need: Need, recorder: Person | None) -> str:
    return "\n".join(
        [
            t._("Pledge {ref} to need {need} updated.").format(ref=pledge_ref(t, pledge), need=need_ref(t, need)),
            pledge_line(t, pledge, recorder),
        ]
    )


def confirm_request(t: Lang, coalition: Coalition, pledge: Pledge, need: Need, recorder: Person | None) -> str:
    """To the donor's members: a manager recorded a pledge in their name."""
    return "\n".join(
        [
            t._("A pledge of {organisation} was recorded in the Country Coalition of {country}:").format(
                organisation=f"<b>{esc(pledge.organisation)}</b>", country=country(t, coalition.country)
            ),
            f"{need_ref(t, need)} {esc(need.title)}",
            pledge_line(t, pledge, recorder),
            t._("If it is right, confirm it in the group: <code>/pledge PL{number} confirm</code>").format(
                number=pledge.number
            ),
        ]
    )


def _totals_lines(t: Lang, item: NeedTotals) -> list[str]:
    if item.amount is None:
        return []
    code = item.currency
    lines = [
        t._("Pledged {pledged} · committed {committed} · disbursed {disbursed}").format(
            pledged=money(t, item.pledged, code),
            committed=money(t, item.committed, code),
            disbursed=money(t, item.disbursed, code),
        )
    ]
    if item.surplus:
        lines.append("✅ " + t._("Fully pledged; surplus: {amount}").format(amount=money(t, item.surplus, code)))
    elif item.gap == 0:
        lines.append("✅ " + t._("Fully pledged"))
    else:
        lines.append(t._("Funding gap: {amount}").format(amount=f"<b>{money(t, item.gap, code)}</b>"))
    return lines


def need_block(t: Lang, item: NeedTotals, recorders: dict[int, Person]) -> list[str]:
    lines = [_need_head(t, item.need), *_totals_lines(t, item)]
    if item.others:
        lines.append(t._("Also pledged (not subtracted): {amounts}").format(amounts=amounts(t, item.others)))
    for pledge in item.live_pledges:
        lines.append("• " + pledge_line(t, pledge, recorders.get(pledge.recorded_by)))
    if not item.live_pledges:
        lines.append(t._("No pledge yet."))
    return lines


def needs_list(
    t: Lang, coalition: Coalition, items: list[NeedTotals], gaps: dict[str, int], recorders: dict[int, Person]
) -> str:
    name = country(t, coalition.country)
    lines = [t._("<b>Needs and pledges of the Country Coalition of {country}</b>").format(country=name)]
    if not items:
        lines.append(esc(t._("No open need. Managers register one with /need <title> [amount CUR].")))
        return "\n".join(lines)
    for item in items:
        lines += ["", *need_block(t, item, recorders)]
    lines.append("")
    if gaps:
        lines.append(t._("Total funding gap: {amounts}").format(amounts=f"<b>{amounts(t, gaps)}</b>"))
    else:
        lines.append(t._("Total funding gap: none"))
    return "\n".join(lines)


def funding_section(t: Lang, funding: Funding) -> list[str]:
    """The meeting summary's resource-mobilisation section."""
    lines = ["<b>" + t._("Resource mobilisation") + "</b>"]
    for need in funding.new_needs:
        lines.append("• " + t._("New need: {need}").format(need=_need_head(t, need)))
    for pledge, need in funding.new_pledges:
        lines.append(
            "• "
            + t._("New pledge to {need}: {pledge}").format(need=need_ref(t, need), pledge=pledge_line(t, pledge, None))
        )
    if not funding.new_needs and not funding.new_pledges:
        lines.append(t._("No new need or pledge."))
    if funding.gaps:
        lines.append(t._("Total funding gap: {amounts}").format(amounts=amounts(t, funding.gaps)))
    else:
        lines.append(t._("Total funding gap: none"))
    return lines


def agenda_notice(t: Lang, coalition: Coalition, meeting: Meeting, needs: list[Need]) -> str:
    """To the national authority, 30 days before a meeting."""
    lines = [
        "📋 "
        + t.ngettext(
            "A high-priority need of the Country Coalition of {country} has no pledge; "
            "it is on the agenda of meeting {meeting}:",
            "{n} high-priority needs of the Country Coalition of {country} have no pledge; "
            "they are on the agenda of meeting {meeting}:",
            len(needs),
        ).format(n=t.number(len(needs)), country=country(t, coalition.country), meeting=meeting_title(t, meeting))
    ]
    lines += [f"• {_need_head(t, need)}" for need in needs]
    lines.append(t._("See /needs and /agenda."))
    return "\n".join(lines)


def nudge(t: Lang, coalition: Coalition, pledge: Pledge, need: Need) -> str:
    """To the donor's confirmed members: the pledge is past its expected date and not disbursed."""
    return "\n".join(
        [
            "⏰ "
            + t._("Pledge {ref} of {organisation} to the Country Coalition of {country} is not disbursed yet.").format(
                ref=pledge_ref(t, pledge), organisation=esc(pledge.organisation), country=country(t, coalition.country)
            ),
            f"{need_ref(t, need)} {esc(need.title)}",
            pledge_line(t, pledge, None),
            t._(
                "When it is paid: <code>/pledge PL{number} disbursed</code> (or a tranche: "
                "<code>/pledge PL{number} disbursed 50000 {currency}</code>); a new date: "
                "<code>/pledge PL{number} by YYYY-MM-DD</code>."
            ).format(number=pledge.number, currency=pledge.currency or "USD"),
        ]
    )
