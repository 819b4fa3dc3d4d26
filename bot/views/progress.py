"""Texts and keyboards of progress reports, treaty deadlines, `/progress` and `/export`."""

from __future__ import annotations

import math
from datetime import date, datetime

from babel.dates import format_skeleton, format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Lang
from bot.models import Coalition, ProgressReport, Reminder, TreatyDeadline
from bot.services import deadlines as deadline_service
from bot.services.export import CsvFile
from bot.services.progress import Outlook, Progress, Totals
from bot.views import callbacks
from bot.views.render import country, prose, syntax, user

FIELD_QUESTIONS: dict[str, str] = {
    "cancelled": N_("Area cancelled by non-technical survey, in m²"),
    "reduced": N_("Area reduced by technical survey, in m²"),
    "cleared": N_("Area cleared, in m²"),
    "found": N_("Contaminated area newly identified by survey, in m²"),
    "cmr": N_("Cluster munition remnants destroyed"),
    "submunitions": N_("Stockpiled submunitions destroyed (Article 3)"),
    "re_sessions": N_("Risk education sessions held"),
    "re_people": N_("People reached by risk education"),
}
ARTICLE_NAMES: dict[str, str] = {
    "article3": N_("stockpile destruction (Article 3)"),
    "article4": N_("clearance (Article 4)"),
    "msp": N_("Meeting of States Parties deciding the extension request"),
}


def month(t: Lang, period: str) -> str:
    """`2027-03` as the reader says it: March 2027, mars 2027, مارس 2027."""
    year, number = period.split("-")
    return t.isolate(format_skeleton("yMMMM", date(int(year), int(number), 1), locale=t.locale))


def area(t: Lang, value: float) -> str:
    return t._("{area} m²").format(area=t.number(value))


def figures(t: Lang, totals: Totals) -> str:
    """Every figure of a report (or of a sum of reports) on one line."""
    line = t._(
        "cancelled {cancelled} · reduced {reduced} · cleared {cleared} m² · CMR destroyed: {cmr} · "
        "submunitions destroyed: {submunitions} · risk education sessions: {sessions}, people reached: {people}"
    ).format(
        cancelled=t.number(totals.cancelled),
        reduced=t.number(totals.reduced),
        cleared=t.number(totals.cleared),
        cmr=t.number(totals.cmr),
        submunitions=t.number(totals.submunitions),
        sessions=t.number(totals.re_sessions),
        people=t.number(totals.re_people),
    )
    if totals.found:
        line += " · " + t._("newly identified: {area}").format(area=area(t, totals.found))
    return line


# Reports ------------------------------------------------------------------------------


def report_recorded(t: Lang, report: ProgressReport, replaced: bool) -> str:
    head = (
        t._("✅ Progress report replaced: {organisation}, {month}.")
        if replaced
        else t._("✅ Progress report recorded: {organisation}, {month}.")
    )
    return "\n".join(
        [
            head.format(organisation=f"<b>{user(t, report.organisation)}</b>", month=month(t, report.period)),
            t._("Land released: {area}").format(area=area(t, report.released)),
            figures(t, Totals.of([report])),
        ]
    )


def duplicate_question(t: Lang, stored: ProgressReport) -> str:
    return "\n".join(
        [
            t._("{organisation} has already reported for {month}:").format(
                organisation=f"<b>{user(t, stored.organisation)}</b>", month=month(t, stored.period)
            ),
            figures(t, Totals.of([stored])),
            t._("Replace the stored figures with the new ones?"),
        ]
    )


def duplicate_keyboard(t: Lang, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.button(lambda lang: lang._("Replace"), "🔁"), callback_data=callbacks.Report("r", token).pack()
                ),
                InlineKeyboardButton(
                    t.button(lambda lang: lang._("Keep the stored figures"), "✋"),
                    callback_data=callbacks.Report("k", token).pack(),
                ),
            ]
        ]
    )


def kept(t: Lang) -> str:
    return t._("Nothing changed: the stored figures are kept.")


def choose_coalition(t: Lang) -> str:
    return t._("Which coalition is this for?")


def ask_period(t: Lang) -> str:
    return syntax(t, t._("Which month do the figures cover? Send YYYY-MM, e.g. 2027-03, or /cancel to stop."))


def ask_figure(t: Lang, name: str) -> str:
    return t._("{question}: send a number, or - for none.").format(question=t._(FIELD_QUESTIONS[name]))


def report_stopped(t: Lang) -> str:
    return t._("Stopped; no report was stored.")


# Deadlines ----------------------------------------------------------------------------


def article_name(t: Lang, article: str) -> str:
    return t._(ARTICLE_NAMES[article])


def countdown(t: Lang, moment: datetime, now: datetime) -> str:
    """`in 17 months`, `dans 3 mois`, `خلال 6 أسابيع` (or `… ago` once passed)."""
    return t.isolate(format_timedelta(moment - now, threshold=2, add_direction=True, locale=t.locale))


def _deadline_line(t: Lang, coalition: Coalition, deadline: TreatyDeadline, now: datetime) -> str:
    moment = deadline_service.deadline_moment(coalition, deadline.due_on)
    return t._("{article}: {date}, {countdown}").format(
        article=article_name(t, deadline.article),
        date=_long_date(t, deadline.due_on),
        countdown=countdown(t, moment, now),
    )


def _long_date(t: Lang, day: date) -> str:
    return t.day(day, "long")


def deadline_set(t: Lang, coalition: Coalition, deadline: TreatyDeadline, alerts: list[Reminder], now: datetime) -> str:
    lines = ["📌 " + t._("Treaty deadline set."), _deadline_line(t, coalition, deadline, now)]
    if deadline.article == deadline_service.MSP:
        due = deadline_service.submission_due(deadline.due_on)
        lines.append(
            t._("The extension request must be submitted by {date}, nine months before.").format(
                date=_long_date(t, due)
            )
        )
        if alerts:
            dates = t.join([t.date(a.due_at, fmt="long") for a in alerts])
            lines.append(t._("Reminders to the national authority and the managers on: {dates}.").format(dates=dates))
    elif alerts:
        dates = t.join([t.date(a.due_at, fmt="long") for a in alerts])
        lines.append(t._("Alerts to the group and the national authority on: {dates}.").format(dates=dates))
    else:
        lines.append(t._("No alert is left before this deadline."))
    return "\n".join(lines)


def deadline_list(t: Lang, coalition: Coalition, items: list[TreatyDeadline], now: datetime) -> str:
    name = country(t, coalition.country)
    lines = [t._("<b>Treaty deadlines of the Country Coalition of {country}</b>").format(country=name)]
    lines += [f"• {_deadline_line(t, coalition, d, now)}" for d in items]
    if not items:
        lines.append(prose(t, t._("No treaty deadline is set. Managers: /deadline article4 YYYY-MM-DD.")))
    return "\n".join(lines)


def deadline_alert(t: Lang, coalition: Coalition, deadline: TreatyDeadline, now: datetime) -> str:
    return "\n".join(
        [
            "⏳ "
            + t._("Treaty deadline of the Country Coalition of {country}").format(
                country=country(t, coalition.country)
            ),
            _deadline_line(t, coalition, deadline, now),
            syntax(t, t._("See /progress and /deadlines.")),
        ]
    )


# Progress -----------------------------------------------------------------------------


def _released_line(t: Lang, name: str, period: str, in_month: Totals, cumulative: Totals) -> str:
    return t._("{name} — {month}: {released} released; since the first report: {total}").format(
        name=f"<b>{name}</b>",
        month=month(t, period),
        released=area(t, in_month.released),
        total=area(t, cumulative.released),
    )


def _outlook(t: Lang, o: Outlook, start: str | None) -> list[str]:
    lines = []
    if o.baseline is None:
        lines.append(prose(t, t._("Baseline contaminated area not set: /settings baseline <m²>.")))
    elif o.found:
        lines.append(
            t._("Baseline {baseline} + newly identified {found} − released {released} = remaining {remaining}").format(
                baseline=t.number(o.baseline),
                found=t.number(o.found),
                released=t.number(o.released),
                remaining=area(t, o.remaining),
            )
        )
    else:
        lines.append(
            t._("Area released: {released} of {baseline} ({share}); remaining: {remaining}").format(
                released=t.number(o.released),
                baseline=area(t, o.baseline),
                share=t.percent(o.share or 0),
                remaining=area(t, o.remaining),
            )
        )
    if o.baseline is not None and start is not None:
        lines.append(t._("Counted from {month}, the baseline month.").format(month=month(t, start)))
    if o.deadline is None:
        lines.append(prose(t, t._("Article 4 deadline not set: /deadline article4 YYYY-MM-DD.")))
    else:
        lines.append(
            t._("Months left to the Article 4 deadline ({date}): {months}").format(
                date=_long_date(t, o.deadline), months=t.number(round(max(o.months_left, 0), 1))
            )
        )
    if o.needed_rate is not None:
        lines.append(t._("Monthly release needed: {rate}").format(rate=area(t, math.ceil(o.needed_rate))))
    lines.append(
        t.ngettext(
            "Monthly release achieved over the last month: {rate}",
            "Monthly release achieved over the last {n} months: {rate}",
            o.window_months,
        ).format(n=t.number(o.window_months), rate=area(t, math.floor(o.achieved_rate)))
    )
    if o.found_rate:
        lines.append(
            t._("Newly identified per month over the same months: {rate}").format(rate=area(t, math.ceil(o.found_rate)))
        )
    if o.on_track is True:
        lines.append("✅ " + t._("On track"))
    elif o.on_track is False:
        lines.append("⚠️ " + t._("At risk: at the rate achieved, the deadline will be missed"))
    return lines


def progress(t: Lang, p: Progress) -> str:
    lines = [progress_caption(t, p)]
    for op in p.operators:
        lines.append("")
        lines.append(_released_line(t, user(t, op.organisation), p.period, op.period, op.cumulative))
        lines.append(figures(t, op.period) if op.reported else t._("No report for this month."))
    lines += ["", _released_line(t, t._("All operators"), p.period, p.period_total, p.cumulative_total)]
    lines.append(figures(t, p.period_total))
    lines.append(t._("Since the first report: {figures}").format(figures=figures(t, p.cumulative_total)))
    lines += ["", *_outlook(t, p.outlook, p.start)]
    return "\n".join(lines)


def progress_caption(t: Lang, p: Progress) -> str:
    """The photo's caption when the whole text does not fit under it."""
    return "📊 " + t._("<b>Progress of the Country Coalition of {country}</b>, {month}").format(
        country=country(t, p.coalition.country), month=month(t, p.period)
    )


def no_progress(t: Lang, coalition: Coalition, period: str | None) -> str:
    if period is not None:
        return t._("No progress report for {month} in the Country Coalition of {country}.").format(
            month=month(t, period), country=country(t, coalition.country)
        )
    return (
        t._("No progress report has been filed yet in the Country Coalition of {country}.").format(
            country=country(t, coalition.country)
        )
        + "\n"
        + prose(t, t._("Operators: /report period=YYYY-MM cancelled=… reduced=… cleared=…"))
    )


# Export -------------------------------------------------------------------------------

FILE_TITLES: dict[str, str] = {
    "members.csv": N_("Members"),
    "meetings.csv": N_("Meetings"),
    "rsvps.csv": N_("Answers to meetings"),
    "action_points.csv": N_("Action points"),
    "action_updates.csv": N_("Action point updates"),
    "needs.csv": N_("Needs"),
    "pledges.csv": N_("Pledges"),
    "reports.csv": N_("Progress reports"),
}


def export_caption(t: Lang, coalition: Coalition, item: CsvFile) -> str:
    return t.ngettext("{title} — {country}: {n} row", "{title} — {country}: {n} rows", item.rows).format(
        title=t._(FILE_TITLES[item.name]), country=country(t, coalition.country), n=t.number(item.rows)
    )
