"""Texts of treaty reporting (SPEC §14): `/article7`, `/extension`, their reminders and notices."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from babel.lists import format_list

from bot.i18n import N_, Lang
from bot.models import Coalition, TreatyDeadline
from bot.services import deadlines as deadline_service
from bot.services import treaty
from bot.services.progress import Totals
from bot.services.treaty import Article7, Cooperation, Difference, Extension
from bot.views.needs import money
from bot.views.progress import area, countdown, month
from bot.views.render import country, esc

FIGURE_NAMES: dict[str, str] = {
    "cancelled": N_("area cancelled (m²)"),
    "reduced": N_("area reduced (m²)"),
    "cleared": N_("area cleared (m²)"),
    "found": N_("newly identified area (m²)"),
    "cmr": N_("cluster munition remnants destroyed"),
    "submunitions": N_("submunitions destroyed (Article 3)"),
    "re_sessions": N_("risk education sessions"),
    "re_people": N_("people reached by risk education"),
    "remaining": N_("remaining contamination on 31 December (m²)"),
    "requested": N_("needs registered in the year (Form I)"),
    "pledged": N_("pledged in the year (Form I)"),
    "disbursed": N_("disbursed in the year (Form I)"),
}


def long_date(t: Lang, day: date) -> str:
    return t.isolate(format_date(day, "long", locale=t.code))


def _coalition(t: Lang, coalition: Coalition) -> str:
    return country(t, coalition.country)


def months(t: Lang, periods: list[str]) -> str:
    """`March 2026 and July 2026`, `mars 2026 et juillet 2026`, in the reader's language."""
    return format_list([month(t, period) for period in periods], locale=t.code)


def _value(t: Lang, value: int | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    return t.number(value) if currency is None else money(t, value, currency)


# Article 7 --------------------------------------------------------------------------------


def land_release(t: Lang, totals: Totals) -> str:
    return t._(
        "Land release (Form F): cancelled {cancelled} · reduced {reduced} · cleared {cleared} m² · "
        "newly identified {found} m² · CMR destroyed: {cmr}"
    ).format(
        cancelled=t.number(totals.cancelled),
        reduced=t.number(totals.reduced),
        cleared=t.number(totals.cleared),
        found=t.number(totals.found),
        cmr=t.number(totals.cmr),
    )


def remaining_line(t: Lang, year: int, remaining: int | None) -> str:
    if remaining is None:
        return esc(
            t._(
                "Remaining contamination on 31 December {year}: cannot be computed, the baseline is not set "
                "or starts after that year (/settings baseline <m²> [YYYY-MM])."
            ).format(year=t.isolate(year))
        )
    return t._("Remaining contamination on 31 December {year}: {area}").format(
        year=t.isolate(year), area=area(t, remaining)
    )


def _difference(t: Lang, change: Difference) -> str:
    name = t._(FIGURE_NAMES[change.figure])
    submitted = _value(t, change.submitted, change.currency)
    now = _value(t, change.now, change.currency)
    if change.currency is not None:  # Form I: a coalition figure, in one currency
        return "• " + t._("{figure}: submitted {submitted}, now {now}").format(
            figure=name, submitted=submitted, now=now
        )
    owner = t._("all operators") if change.organisation is None else esc(change.organisation)
    return "• " + t._("{owner}, {figure}: submitted {submitted}, now {now}").format(
        owner=owner, figure=name, submitted=submitted, now=now
    )


def _amounts(t: Lang, by_currency: dict[str, int]) -> str:
    """`€120,000 and $450,000`: one amount per currency, never added together."""
    return t.join([money(t, value, code) for code, value in by_currency.items()]) or t._("none")


def cooperation_line(t: Lang, c: Cooperation) -> str:
    """Form I's totals, each currency on its own (no exchange rate)."""
    if not c.recorded:
        return t._(
            "International cooperation (Form I): no need, pledge or disbursement recorded in {year} (/needs)."
        ).format(year=t.isolate(c.year))
    line = t._(
        "International cooperation (Form I): needs registered {requested} · pledged {pledged} · disbursed {disbursed}"
    ).format(
        requested=_amounts(t, c.requested),
        pledged=_amounts(t, c.pledged),
        disbursed=_amounts(t, c.disbursed),
    )
    if c.in_kind:
        line += " · " + t.ngettext("{n} pledge in kind", "{n} pledges in kind", c.in_kind).format(n=t.number(c.in_kind))
    return line


def article7(t: Lang, a: Article7) -> str:
    f, year = a.figures, a.figures.year
    lines = [
        "📄 "
        + t._("<b>Article 7 report for {year}: draft figures of the Country Coalition of {country}</b>").format(
            year=t.isolate(year), country=_coalition(t, a.coalition)
        ),
        t._("Summed from the operators' monthly reports; the workbook follows the Article 7 reporting forms."),
        "",
        land_release(t, f.total),
        remaining_line(t, year, f.remaining),
        t._("Stockpiled submunitions destroyed (Article 3, Form B): {n}").format(n=t.number(f.total.submunitions)),
        t._("Risk education (Form G): {sessions} sessions, {people} people reached").format(
            sessions=t.number(f.total.re_sessions), people=t.number(f.total.re_people)
        ),
        cooperation_line(t, a.cooperation),
        "",
    ]
    missing = [op for op in f.operators if op.missing]
    if missing:
        lines.append(t._("Months without a report (flagged, not filled in):"))
        lines += [
            "• "
            + t._("{organisation}: {months}").format(
                organisation=f"<b>{esc(op.organisation)}</b>", months=months(t, op.missing)
            )
            for op in missing
        ]
    else:
        lines.append(t._("Every operator reported every month of the year since its first report."))
    lines.append("")
    if a.submission is None:
        lines.append(t._("Once it has been sent: /article7 {year} submitted.").format(year=year))
    elif a.changes:
        lines.append(
            "⚠️ "
            + t._("Submitted on {date}; these figures have changed since (submitted beside now):").format(
                date=t.date(a.submission.submitted_at, fmt="long")
            )
        )
        lines += [_difference(t, change) for change in a.changes]
    else:
        lines.append(
            "✅ "
            + t._("Submitted on {date}; the figures still match the submission.").format(
                date=t.date(a.submission.submitted_at, fmt="long")
            )
        )
    return "\n".join(lines)


def article7_caption(t: Lang, a: Article7) -> str:
    return t._("Article 7 report for {year} — {country}: draft workbook").format(
        year=t.isolate(a.figures.year), country=_coalition(t, a.coalition)
    )


def no_reports(t: Lang, coalition: Coalition, year: int) -> str:
    return t._(
        "No progress report for {year} in the Country Coalition of {country}: there is nothing to draft."
    ).format(year=t.isolate(year), country=_coalition(t, coalition))


def submitted(t: Lang, a: Article7) -> str:
    assert a.submission is not None, "treaty.submit stores the submission whenever the year has a report"
    return "✅ " + t._(
        "Article 7 report for {year} of the Country Coalition of {country} recorded as submitted on {date}; "
        "its reminders stop. A report filed later for {year} will be compared with what was submitted."
    ).format(
        year=t.isolate(a.figures.year),
        country=_coalition(t, a.coalition),
        date=t.date(a.submission.submitted_at, fmt="long"),
    )


def report_differs(t: Lang, year: int) -> str:
    return "⚠️ " + t._(
        "This changes the figures of the Article 7 report for {year}, which was already submitted: "
        "the national authority (or, if there is none, the managers) is told. "
        "/article7 {year} shows what was submitted beside the figures now."
    ).format(year=year)


def article7_changed(t: Lang, coalition: Coalition, year: int, organisation: str, submitted_at: datetime) -> str:
    return "⚠️ " + t._(
        "A report by {organisation} changes the figures of the Article 7 report for {year} of the Country "
        "Coalition of {country}, submitted on {date}. /article7 {year} shows what was submitted beside the "
        "figures now."
    ).format(
        organisation=f"<b>{esc(organisation)}</b>",
        year=year,
        country=_coalition(t, coalition),
        date=t.date(submitted_at, fmt="long"),
    )


def article7_reminder(t: Lang, coalition: Coalition, year: int, overdue: bool) -> str:
    due = long_date(t, date(year + 1, *treaty.REPORT_DUE))
    head = (
        t._(
            "The Article 7 report for {year} of the Country Coalition of {country} was due on {date} "
            "and is not marked as submitted."
        )
        if overdue
        else t._("The Article 7 report for {year} of the Country Coalition of {country} is due on {date}.")
    )
    return "\n".join(
        [
            ("⚠️ " if overdue else "📝 ")
            + head.format(year=t.isolate(year), country=_coalition(t, coalition), date=due),
            t._(
                "/article7 {year} drafts its figures from the monthly reports; send /article7 {year} submitted "
                "once it has been sent."
            ).format(year=year),
        ]
    )


# Extension request ----------------------------------------------------------------------


def extension_alert(t: Lang, coalition: Coalition, msp: TreatyDeadline, now: datetime) -> str:
    due = deadline_service.submission_due(msp.due_on)
    return "\n".join(
        [
            "⏳ "
            + t._(
                "The Article 4 extension request of the Country Coalition of {country} must be submitted by {date} "
                "({countdown}), nine months before the Meeting of States Parties of {msp}."
            ).format(
                country=_coalition(t, coalition),
                date=long_date(t, due),
                countdown=countdown(t, deadline_service.deadline_moment(coalition, due), now),
                msp=long_date(t, msp.due_on),
            ),
            t._("/extension drafts its figures from the monthly reports."),
        ]
    )


def _missing_years(t: Lang, e: Extension) -> list[str]:
    lines = []
    for item in e.years:
        for organisation, missing in item.missing:
            lines.append(
                "• "
                + t._("{organisation}, {year}: {months}").format(
                    organisation=esc(organisation),
                    year=t.isolate(item.year),
                    months=months(t, missing),
                )
            )
    return lines


def _cannot(t: Lang, figure: str, why: str) -> str:
    return esc(t._("{figure}: cannot be computed — {why}").format(figure=figure, why=why))


def extension(t: Lang, e: Extension) -> str:
    lines = [
        "📐 "
        + t._("<b>Article 4 extension request: figures of the Country Coalition of {country}</b>").format(
            country=_coalition(t, e.coalition)
        ),
        t._("Summed from the operators' monthly reports."),
        "",
    ]
    no_baseline = t._("the baseline is not set (/settings baseline <m²> [YYYY-MM])")
    if e.baseline is None:
        lines.append(_cannot(t, t._("Baseline"), no_baseline))
    else:
        lines.append(
            t._("Baseline: {area} at the start of {month}").format(area=area(t, e.baseline), month=month(t, e.start))
            if e.start
            else t._("Baseline: {area}").format(area=area(t, e.baseline))
        )
    if e.start is not None:
        lines.append(t._("Newly identified since then: {area}").format(area=area(t, e.found)))
        lines.append(
            t._("Released since then: {area} (cancelled {cancelled} · reduced {reduced} · cleared {cleared})").format(
                area=area(t, e.released.released),
                cancelled=t.number(e.released.cancelled),
                reduced=t.number(e.released.reduced),
                cleared=t.number(e.released.cleared),
            )
        )
    if e.remaining is None:
        lines.append(_cannot(t, t._("Remaining contamination"), no_baseline))
    else:
        lines.append(t._("Remaining contamination: {area}").format(area=area(t, e.remaining)))
    lines.append("")
    if e.average is None:
        lines.append(_cannot(t, t._("Average annual release"), t._("no complete calendar year has a report yet")))
    else:
        years = format_list([t.isolate(item.year) for item in e.years], locale=t.code)
        lines.append(
            t.ngettext(
                "Average annual release over {n} complete year ({years}): {area}",
                "Average annual release over the {n} last complete years with a report ({years}): {area}",
                len(e.years),
            ).format(n=t.number(len(e.years)), years=years, area=area(t, round(e.average)))
        )
        missing = _missing_years(t, e)
        if missing:
            lines.append(t._("Months without a report, counted as 0:"))
            lines += missing
    if e.years_needed is not None and e.completion is not None:
        lines.append(
            t._("Years needed at that rate: {years}, completion around {month}").format(
                years=t.number(e.years_needed), month=month(t, e.completion.strftime("%Y-%m"))
            )
        )
    elif e.remaining is not None and e.average is not None:
        lines.append(_cannot(t, t._("Years needed"), t._("nothing was released in those years")))
    elif e.remaining is not None or e.average is not None:
        lines.append(_cannot(t, t._("Years needed"), t._("the remaining area or the average release is missing")))
    if e.deadline is None:
        lines.append(esc(t._("Article 4 deadline not set: /deadline article4 YYYY-MM-DD.")))
    else:
        lines.append(t._("Article 4 deadline: {date}").format(date=long_date(t, e.deadline)))
        if e.years_past_deadline is not None:
            past = e.years_past_deadline
            lines.append(
                t._("The completion date is {years} years after the deadline.").format(years=t.number(past))
                if past > 0
                else t._("The completion date is before the deadline: no extension is needed at this rate.")
            )
        if e.too_long:
            lines.append(
                "⚠️ "
                + t._(
                    "That is more than five years after the deadline: one extension (Article 4.5, up to five years) "
                    "cannot cover it."
                )
            )
    lines.append("")
    if e.msp is None:
        lines.append(
            esc(
                t._(
                    "Meeting of States Parties not set: /deadline msp YYYY-MM-DD gives the date "
                    "to submit the request by."
                )
            )
        )
    else:
        lines.append(
            t._("Meeting of States Parties: {msp}; the request must be submitted by {date}.").format(
                msp=long_date(t, e.msp), date=long_date(t, e.submission_due)
            )
        )
    lines += ["", *_declared(t, e)]
    return "\n".join(lines)


def _declared(t: Lang, e: Extension) -> list[str]:
    c = e.coalition
    lines = [t._("Declared, not from reports:")]
    if c.eif_m2 is not None:
        lines.append(
            "• "
            + t._("Contaminated area at entry into force ({date}): {area}").format(
                date=long_date(t, c.eif_on), area=area(t, c.eif_m2)
            )
        )
    else:
        lines.append(
            "• " + esc(t._("Contaminated area at entry into force: not declared (/settings eif <m²> <YYYY-MM-DD>)."))
        )
    if c.released_before_m2 is not None:
        lines.append(
            "• " + t._("Released before the baseline month: {area}").format(area=area(t, c.released_before_m2))
        )
        lines.append(
            "• "
            + t._("Released since entry into force (declared + reports): {area}").format(
                area=area(t, e.released_since_eif)
            )
        )
    else:
        lines.append(
            "• " + esc(t._("Released before the baseline month: not declared (/settings released_before <m²>)."))
        )
        lines.append(
            "• "
            + _cannot(
                t,
                t._("Released since entry into force"),
                t._("what was released before the baseline month is not declared"),
            )
        )
    return lines
