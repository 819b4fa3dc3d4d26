"""The dashboard's words in chat (`/dashboard`, `/network`, `/settings public|network`) and
the helpers its web pages are written with: owner names, the countdown, the SVG chart.

The chart is built by hand as SVG rather than drawn by matplotlib: it is a polyline and a
few labels, the browser shapes Arabic itself, the stylesheet colours it (Telegram's theme
inside Telegram), and it costs well under a millisecond, which keeps a page inside its
200 ms budget (SPEC §15).
"""

from __future__ import annotations

import calendar
from datetime import date
from itertools import accumulate
from xml.sax.saxutils import escape, quoteattr

from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LoginUrl, WebAppInfo

from bot.i18n import Lang
from bot.models import ActionPoint, Coalition, Person
from bot.services.actions import MEMBER, ORGANISATION
from bot.services.progress import month_index, period_of
from bot.views.members import role_name
from bot.views.render import country, esc, user

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36


# Chat -----------------------------------------------------------------------------------


def not_configured(t: Lang) -> str:
    return t._("The web view is not configured on this bot (PUBLIC_URL is not set).")


def open_dashboard(t: Lang) -> str:
    return t._("The coalition dashboard: meetings, action points, deadlines and progress at a glance.")


def open_network(t: Lang) -> str:
    return t._("The network view: every coalition that shares its figures with the Convention's network.")


def local_address(t: Lang, address: str) -> str:
    """Telegram refuses buttons to a local address, so it is written out instead."""
    return t._("Open it in your browser: {address}").format(address=t.isolate(f"<code>{esc(address)}</code>"))


def private_keyboard(t: Lang, app_url: str, login_url: str) -> InlineKeyboardMarkup:
    """A Mini App button (private chats only, https only) and a sign-in for a desk browser."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("Open the dashboard"), web_app=WebAppInfo(app_url))],
            [InlineKeyboardButton(t._("Open in a browser"), login_url=LoginUrl(login_url, request_write_access=False))],
        ]
    )


def group_keyboard(t: Lang, link: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.button(lambda lang: lang._("Open the dashboard"), "📊"), url=link)]]
    )


def network_refused(t: Lang) -> str:
    return t._("The network view is open only to the Convention's network viewers.")


def public_on(t: Lang, address: str) -> str:
    return t._("The public transparency page is published: {address}").format(address=t.isolate(esc(address)))


def public_off(t: Lang) -> str:
    return t._("The public transparency page is no longer published.")


def public_off_notice(t: Lang, coalition: Coalition, by: str) -> str:
    return t._("{name} has unpublished the public transparency page of the Country Coalition of {country}.").format(
        name=user(t, by), country=country(t, coalition.country)
    )


def network_changed(t: Lang, on: bool, viewers: int) -> str:
    if not on:
        return t._("The coalition no longer shares its figures with the network view.")
    return t.ngettext(
        "The coalition shares its figures with the network view ({n} viewer).",
        "The coalition shares its figures with the network view ({n} viewers).",
        viewers,
    ).format(n=t.number(viewers))


def settings_lines(t: Lang, coalition: Coalition, public_address: str | None, viewers: int) -> list[str]:
    """The dashboard's lines of `/settings`."""
    public = (
        t._("public page: on ({address})").format(address=t.isolate(esc(public_address)))
        if coalition.public and public_address
        else t._("public page: off")
    )
    network = (
        t.ngettext("network: on ({n} viewer)", "network: on ({n} viewers)", viewers).format(n=t.number(viewers))
        if coalition.network
        else t._("network: off")
    )
    return [public, network]


# Pages ----------------------------------------------------------------------------------


def owner_name(t: Lang, action: ActionPoint, person: Person | None) -> str:
    """Plain text: the page's template escapes it."""
    if action.owner_kind == MEMBER:
        return (person.full_name if person and person.full_name else "") or t._("former member")
    if action.owner_kind == ORGANISATION:
        return action.owner_name
    return role_name(t, action.owner_name)


def _month_label(t: Lang, index: int) -> str:
    year, month = period_of(index).split("-")
    return format_skeleton("yMMM", date(int(year), int(month), 1), locale=t.locale)


def _text(x: float, y: float, label: str, css: str, anchor: str = "middle") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class={quoteattr(css)} text-anchor="{anchor}">{escape(label)}</text>'


def chart_svg(t: Lang, monthly: list[tuple[str, int]], baseline: int | None, deadline: date | None) -> str:
    """Cumulative area released per month against the straight path to the Article 4 deadline.

    The same picture as the `/progress` PNG (bot.views.charts): x in months from the start of
    the first reported month, a month's total counted at its end; the straight path runs from
    nothing released at the start to the whole baseline released on the deadline. Returns
    markup (every label escaped here)."""
    if not monthly:
        return ""
    first = month_index(monthly[0][0])
    released = list(accumulate([0, *(value for _, value in monthly)]))
    end = float(len(monthly))
    at: float | None = None
    if deadline is not None:
        at = float(deadline.year * 12 + deadline.month - 1 - first)
        at += (deadline.day - 1) / calendar.monthrange(deadline.year, deadline.month)[1]
        end = max(end, at) if at > 0 else end
    top = max([*released, baseline or 0, 1])
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(months: float) -> float:
        return LEFT + width * months / end

    def y(value: float) -> float:
        return TOP + height * (1 - value / top)

    title = t._("Area released (cumulative)")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
        f'direction="ltr" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - RIGHT}" y2="{y(0):.1f}" class="axis"/>',
    ]
    for fraction in (0.25, 0.5, 0.75, 1.0):
        value = top * fraction
        parts.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" class="grid"/>')
        parts.append(_text(LEFT - 6, y(value) + 4, format_compact_decimal(value, locale=t.locale), "tick", "end"))
    step = max(1, round(end / 6))
    for tick in range(0, int(end) + 1, step):
        parts.append(_text(x(tick), HEIGHT - BOTTOM + 18, _month_label(t, first + tick), "tick"))
    if baseline:
        parts.append(f'<line x1="{LEFT}" y1="{y(baseline):.1f}" x2="{WIDTH - RIGHT}" y2="{y(baseline):.1f}" '
                     'class="baseline"/>')  # fmt: skip
    if at is not None and at > 0:
        parts.append(f'<line x1="{x(at):.1f}" y1="{TOP}" x2="{x(at):.1f}" y2="{y(0):.1f}" class="deadline"/>')
        if baseline:
            parts.append(
                f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(at):.1f}" y2="{y(baseline):.1f}" class="path"/>'
            )
    points = " ".join(f"{x(i):.1f},{y(value):.1f}" for i, value in enumerate(released))
    parts.append(f'<polyline points="{points}" class="released"/>')
    parts.append("</svg>")
    return "".join(parts)


def chart_legend(t: Lang, baseline: int | None, deadline: date | None) -> list[tuple[str, str]]:
    """(css class, label) of each line drawn, for the legend under the chart."""
    legend = [("released", t._("Area released (cumulative)"))]
    if baseline:
        legend.append(("baseline", t._("Baseline contaminated area")))
    if deadline is not None:
        legend.append(("deadline", t._("Article 4 deadline")))
        if baseline:
            legend.append(("path", t._("Straight path to the deadline")))
    return legend
