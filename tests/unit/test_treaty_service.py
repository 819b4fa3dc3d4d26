"""Issue 15 services: every Article 7 and extension figure recomputed by hand from the rows the
test writes (months missing, a report replaced, an old report without `found`), and the
Article 7 reminder schedule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.models import Coalition, ProgressReport, Reminder
from bot.services import coalitions, dashboard, deadlines, progress, reports, treaty
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput
from bot.services.kinds import Kind
from bot.services.reports import ReportDraft

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
TODAY = date(2027, 1, 10)
FIELDS = ("cancelled", "reduced", "cleared", "cmr", "submunitions", "re_sessions", "re_people", "found")

# What the operators reported, as the test knows it (the expected values are summed from here).
NPA_MONTHS = ["2022-06", "2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 13) if m not in (3, 7)]
HALO_MONTHS = ["2026-05", "2026-06"] + [f"2026-{m:02d}" for m in range(8, 13)]


def npa(period: str) -> dict[str, int]:
    m = int(period[5:])
    return {
        "cancelled": 1000 * m,
        "reduced": 500,
        "cleared": 2000 + m,
        "cmr": m,
        "submunitions": 10,
        "re_sessions": 2,
        "re_people": 40,
        "found": 300 if m % 2 == 0 else 0,
    }


def halo(period: str) -> dict[str, int]:
    m = int(period[5:])
    found = 0 if period == "2026-05" else 1000  # May was filed before `found` existed
    return {"cancelled": 0, "reduced": 7000, "cleared": 3000 * m, "cmr": 2 * m, "submunitions": 0,
            "re_sessions": 1, "re_people": 25, "found": found}  # fmt: skip


def expected() -> dict[str, dict[str, int]]:
    """Every report as finally stored, keyed `org/period`."""
    rows = {f"NPA/{p}": npa(p) for p in NPA_MONTHS}
    rows |= {f"HALO/{p}": halo(p) for p in HALO_MONTHS}
    return rows


def released(figures: dict[str, int]) -> int:
    return figures["cancelled"] + figures["reduced"] + figures["cleared"]


async def _store(s) -> Coalition:
    """Write every report: one through an old-style INSERT without `found`, one replaced."""
    coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), NOW)
    coalition.baseline_m2, coalition.baseline_period = 2_000_000, "2025-11"
    s.add(coalition)
    await s.flush()
    for key, figures in expected().items():
        org, period = key.split("/")
        if key == "HALO/2026-05":
            columns = [f for f in FIELDS if f != "found"]
            await s.exec(
                text(
                    "INSERT INTO progress_report (coalition_id, organisation, period, "
                    f"{', '.join(columns)}, reported_at) "
                    f"VALUES (:c, :o, :p, {', '.join(':' + c for c in columns)}, :at)"
                ),
                params={"c": coalition.id, "o": org, "p": period, "at": NOW.replace(tzinfo=None)}
                | {c: figures[c] for c in columns},
            )
            continue
        if key == "NPA/2026-04":  # first filed wrong, then replaced
            await reports.file(s, coalition, org, ReportDraft(period, {"cleared": 999_999}), None, NOW)
            assert await reports.file(s, coalition, org, ReportDraft(period, figures), None, NOW) is None
            await reports.file(s, coalition, org, ReportDraft(period, figures), None, NOW, replace=True)
            continue
        await reports.file(s, coalition, org, ReportDraft(period, figures), None, NOW)
    return coalition


def _sum(rows: dict[str, dict[str, int]], name: str, keep) -> int:
    return sum(v[name] if name != "released" else released(v) for k, v in rows.items() if keep(k))


async def test_the_old_report_without_found_counts_zero(db):
    async with db.transaction() as s:
        await _store(s)
        row = (await s.exec(select(ProgressReport).where(ProgressReport.period == "2026-05",
                                                         ProgressReport.organisation == "HALO"))).one()  # fmt: skip
        assert row.found == 0 and row.reduced == 7000


async def test_article7_figures_per_operator_and_in_total(db):
    rows = expected()
    async with db.transaction() as s:
        coalition = await _store(s)
        result = await treaty.article7(s, coalition, 2026, TODAY)
    f = result.figures
    assert f.reported and f.year == 2026 and result.submission is None
    of_2026 = {k: v for k, v in rows.items() if "/2026-" in k}
    for name in FIELDS:
        assert getattr(f.total, name) == _sum(of_2026, name, lambda k: True), name
        for op in f.operators:
            assert getattr(op.totals, name) == _sum(of_2026, name, lambda k, o=op.organisation: k.startswith(o + "/"))
    assert f.total.released == _sum(of_2026, "released", lambda k: True)
    assert [op.organisation for op in f.operators] == ["HALO", "NPA"]
    # missing months: since each operator's first report, up to December; never filled in
    assert {op.organisation: op.missing for op in f.operators} == {"HALO": ["2026-07"], "NPA": ["2026-03", "2026-07"]}
    # remaining on 31 December 2026: baseline at the start of 2025-11 + found − released since then
    since = {k: v for k, v in rows.items() if k.split("/")[1] >= "2025-11"}
    assert f.remaining == 2_000_000 + _sum(since, "found", lambda k: True) - _sum(since, "released", lambda k: True)
    assert f.remaining == 2_000_000 + 7 * 300 + 6 * 1000 - (
        sum(1000 * m + 500 + 2000 + m for m in (11, 12, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12))
        + sum(7000 + 3000 * m for m in (5, 6, 8, 9, 10, 11, 12))
    )


async def test_a_year_with_no_report_and_the_current_year(db):
    async with db.transaction() as s:
        coalition = await _store(s)
        empty = await treaty.article7(s, coalition, 2024, TODAY)
        assert not empty.figures.reported and empty.figures.remaining is None  # before the baseline month
        assert [(op.organisation, len(op.missing)) for op in empty.figures.operators] == [("NPA", 12)]
        # in 2027 no month has ended yet: nothing is flagged missing
        current = await treaty.article7(s, coalition, 2027, TODAY)
        assert not current.figures.reported and all(not op.missing for op in current.figures.operators)
        may = await treaty.article7(s, coalition, 2026, date(2026, 6, 3))  # as seen on 3 June 2026
        assert {op.organisation: op.missing for op in may.figures.operators} == {"HALO": [], "NPA": ["2026-03"]}


async def test_a_submission_is_compared_with_later_reports(db):
    async with db.transaction() as s:
        coalition = await _store(s)
        sent = await treaty.submit(s, coalition, 2026, None, NOW)
        assert sent.submission is not None and sent.changes == []
        assert json.loads(sent.submission.figures)["total"]["cleared"] == sent.figures.total.cleared
        july = await reports.file(
            s, coalition, "NPA", ReportDraft("2026-07", {"cleared": 5000, "found": 40}), None, NOW
        )
        assert await treaty.after_report(s, coalition, july, NOW) is True
        now = await treaty.article7(s, coalition, 2026, TODAY)
        changes = {(c.figure, c.organisation): (c.submitted, c.now) for c in now.changes}
        total = sent.figures.total
        assert changes[("cleared", None)] == (total.cleared, total.cleared + 5000)
        assert changes[("found", None)] == (total.found, total.found + 40)
        assert changes[("remaining", None)] == (sent.figures.remaining, sent.figures.remaining - 5000 + 40)
        assert changes[("cleared", "NPA")][1] - changes[("cleared", "NPA")][0] == 5000
        notices = list(await s.exec(select(Reminder).where(Reminder.kind == Kind.ARTICLE7_CHANGED)))
        assert [(n.subject_id, n.label, n.due_at) for n in notices] == [(2026, "NPA", NOW)]
        # a report of another year does not touch the 2026 submission
        old = await reports.file(s, coalition, "NPA", ReportDraft("2025-10", {"cleared": 1}), None, NOW)
        assert await treaty.after_report(s, coalition, old, NOW) is False


async def test_extension_figures_by_hand(db):
    rows = expected()
    async with db.transaction() as s:
        coalition = await _store(s)
        coalition.released_before_m2 = 750_000
        coalition.eif_m2, coalition.eif_on = 3_100_000, date(2011, 3, 1)
        await deadlines.set_deadline(s, coalition, "article4", date(2027, 8, 1), None, NOW)
        await deadlines.set_deadline(s, coalition, "msp", date(2027, 11, 20), None, NOW)
        e = await treaty.extension(s, coalition, NOW)
    since = {k: v for k, v in rows.items() if k.split("/")[1] >= "2025-11"}
    assert (e.baseline, e.start) == (2_000_000, "2025-11")
    assert e.found == _sum(since, "found", lambda k: True)
    for name in ("cancelled", "reduced", "cleared"):
        assert getattr(e.released, name) == _sum(since, name, lambda k: True)
    assert e.remaining == 2_000_000 + e.found - e.released.released
    # the last three complete calendar years that each have a report: 2022, 2025, 2026 (not 2023, 2024)
    assert [y.year for y in e.years] == [2022, 2025, 2026]
    by_year = {y: _sum(rows, "released", lambda k, y=y: f"/{y}-" in k) for y in (2022, 2025, 2026)}
    assert [y.released for y in e.years] == [by_year[2022], by_year[2025], by_year[2026]]
    assert e.average == pytest.approx(sum(by_year.values()) / 3)
    # missing months, counted as 0: NPA from June 2022 (its first report) on
    missing = {y.year: dict(y.missing) for y in e.years}
    assert missing[2022] == {"NPA": ["2022-07", "2022-08", "2022-09", "2022-10", "2022-11", "2022-12"]}
    assert missing[2025]["NPA"] == [f"2025-{m:02d}" for m in range(1, 11)]
    assert missing[2026] == {"HALO": ["2026-07"], "NPA": ["2026-03", "2026-07"]}
    years = round(e.remaining / (sum(by_year.values()) / 3), 1)
    assert e.years_needed == years
    months = round(years * 12)
    assert e.completion == date(2027 + months // 12, months % 12 + 1, 1)
    assert e.deadline == date(2027, 8, 1) and e.too_long == (e.completion > date(2032, 8, 1))
    assert e.msp == date(2027, 11, 20) and e.submission_due == date(2027, 2, 20)
    assert e.released_since_eif == 750_000 + e.released.released


def test_extension_figures_that_cannot_be_computed():
    coalition = Coalition(id=1, chat_id=-1, country="Lebanon", created_at=NOW)
    e = treaty.extension_figures(coalition, [], TODAY, None, None)
    assert (e.baseline, e.remaining, e.average, e.years_needed, e.completion, e.submission_due) == (None,) * 6
    assert e.released_since_eif is None and e.too_long is False
    this_year = [ProgressReport(coalition_id=1, organisation="NPA", period="2027-01", cleared=5, reported_at=NOW)]
    coalition.baseline_m2 = 100
    e = treaty.extension_figures(coalition, this_year, TODAY, date(2028, 1, 1), None)
    assert e.remaining == 95 and e.years == [] and e.average is None and e.years_needed is None  # no complete year


def test_more_than_five_years_past_the_deadline_is_flagged():
    coalition = Coalition(id=1, chat_id=-1, country="Lebanon", baseline_m2=1_000_000, created_at=NOW)
    rows = [ProgressReport(coalition_id=1, organisation="NPA", period=f"2026-{m:02d}", cleared=1000, reported_at=NOW)
            for m in range(1, 13)]  # fmt: skip
    e = treaty.extension_figures(coalition, rows, TODAY, date(2028, 1, 1), None)
    # 12,000 released a year; 988,000 left: 82.3 years from January 2027
    assert e.average == 12000 and e.years_needed == 82.3 and e.completion == date(2109, 5, 1)
    assert e.too_long is True and e.years_past_deadline == pytest.approx(81.3, abs=0.1)


@pytest.mark.parametrize(("value", "year"), [("2026", 2026), ("٢٠٢٦", 2026), ("2000", 2000)])
def test_years(value, year):
    assert treaty.parse_year(value, TODAY) == year


@pytest.mark.parametrize("value", ["1999", "2028", "26", "2026-01", "abcd"])
def test_bad_years(value):
    with pytest.raises(InvalidInput):
        treaty.parse_year(value, TODAY)


def test_the_article7_reminder_schedule():
    coalition = Coalition(id=1, chat_id=-1, country="Lebanon", timezone="Asia/Beirut", created_at=NOW)
    slots = treaty.reminder_slots(coalition, 2026)
    due = [d for d, label in slots if label == treaty.DUE]
    overdue = [d for d, label in slots if label == treaty.OVERDUE]
    # 1 March 2027 is a Monday: then every Monday up to 26 April, at 09:00 Beirut (UTC+2, UTC+3 from 28 March)
    assert due[0] == datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    assert [d.date() for d in due] == [date(2027, 3, 1) + timedelta(days=7 * i) for i in range(9)]
    assert due[-1] == datetime(2027, 4, 26, 6, 0, tzinfo=UTC)
    assert overdue[0] == datetime(2027, 5, 1, 6, 0, tzinfo=UTC)
    assert [d.date() for d in overdue] == [date(2027, 5, 1) + timedelta(days=14 * i) for i in range(18)]
    assert overdue[-1].date() == date(2027, 12, 25)
    # after downtime only the latest slot missed is planned; never one before the last planned
    assert treaty.next_slot(slots, None, datetime(2027, 3, 20, tzinfo=UTC)) == slots[2]
    assert treaty.next_slot(slots, slots[2][0], datetime(2027, 3, 20, tzinfo=UTC)) == slots[3]
    assert treaty.next_slot(slots, None, datetime(2027, 2, 1, tzinfo=UTC)) == slots[0]
    assert treaty.next_slot(slots, slots[-1][0], datetime(2028, 1, 5, tzinfo=UTC)) is None


async def test_article7_reminders_are_planned_one_at_a_time_and_stop_when_submitted(db):
    async with db.transaction() as s:
        coalition = await _store(s)

        async def rows():
            found = await s.exec(select(Reminder).where(Reminder.kind == Kind.ARTICLE7).order_by(Reminder.due_at))
            return list(found)

        early = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
        assert await treaty.plan_article7(s, coalition, early) is True
        assert await treaty.plan_article7(s, coalition, early) is False  # one pending at a time
        (first,) = await rows()
        assert (first.key, first.subject_id, first.label) == (f"article7:{coalition.id}:2026:2027-03-01", 2026, "due")
        first.state = "done"
        s.add(first)
        await s.flush()
        # down from 2 to 20 March: 8 and 15 March were missed; only the 15th is sent (now)
        assert await treaty.plan_article7(s, coalition, datetime(2027, 3, 20, tzinfo=UTC)) is True
        caught_up = (await rows())[-1]
        assert caught_up.due_at == datetime(2027, 3, 15, 7, 0, tzinfo=UTC) and len(await rows()) == 2
        await treaty.submit(s, coalition, 2026, None, datetime(2027, 3, 20, tzinfo=UTC))
        assert [r.state for r in await rows()] == ["done", "dropped"]
        assert await treaty.plan_article7(s, coalition, datetime(2027, 5, 2, tzinfo=UTC)) is False
        # 2027's report (due in 2028): no report for 2027 yet, so no reminder
        assert await treaty.plan_article7(s, coalition, datetime(2028, 3, 6, 8, tzinfo=UTC)) is False


async def test_extension_reminders_90_30_and_7_days_before_the_submission_date(db):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), NOW)
        msp, alerts = await deadlines.set_deadline(s, coalition, "msp", date(2027, 11, 20), None, NOW)
        # due 20 February 2027: 90 days before (22 November 2026) has passed
        assert [(a.kind, a.label, a.due_at) for a in alerts] == [
            ("extension_due", "30d", datetime(2027, 1, 21, 7, 0, tzinfo=UTC)),
            ("extension_due", "7d", datetime(2027, 2, 13, 7, 0, tzinfo=UTC)),
        ]
        _, again = await deadlines.set_deadline(s, coalition, "msp", date(2028, 6, 1), None, NOW)
        assert [a.key for a in again] == [f"extension_due:{msp.id}:r2:{d}d" for d in (90, 30, 7)]
        states = {r.key: r.state for r in await s.exec(select(Reminder))}
        assert states[f"extension_due:{msp.id}:r1:30d"] == "dropped"
        assert not any(r.kind == "deadline" for r in await s.exec(select(Reminder)))  # no 24/12/6/3-month alerts


async def test_settings_baseline_month_eif_and_released_before(db):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), NOW)
        coalitions.apply_setting(coalition, "baseline", "1200000 2025-01")
        assert (coalition.baseline_m2, coalition.baseline_period) == (1_200_000, "2025-01")
        coalitions.apply_setting(coalition, "baseline", "1300000")
        assert (coalition.baseline_m2, coalition.baseline_period) == (1_300_000, None)
        coalitions.apply_setting(coalition, "eif", "2500000 2011-08-01")
        assert (coalition.eif_m2, coalition.eif_on) == (2_500_000, date(2011, 8, 1))
        coalitions.apply_setting(coalition, "released_before", "800000")
        assert coalition.released_before_m2 == 800_000
        for key, value in [("baseline", "1000 2025-13"), ("eif", "2500000"), ("eif", "25 2011-02-30")]:
            with pytest.raises(InvalidInput):
                coalitions.apply_setting(coalition, key, value)


def test_remaining_counts_only_from_the_baseline_month():
    coalition = Coalition(id=1, chat_id=-1, country="L", baseline_m2=1000, baseline_period="2026-03", created_at=NOW)
    rows = [ProgressReport(coalition_id=1, organisation="A", period=p, cleared=c, found=f, reported_at=NOW)
            for p, c, f in [("2026-01", 400, 0), ("2026-03", 100, 50), ("2026-05", 200, 0)]]  # fmt: skip
    assert progress.remaining_at(coalition, rows, "2026-04") == 1000 + 50 - 100
    assert progress.remaining_at(coalition, rows, "2026-05") == 1000 + 50 - 300
    coalition.baseline_period = None  # default: the month of the first report
    assert progress.remaining_at(coalition, rows, "2026-05") == 1000 + 50 - 700


def test_the_projection_uses_the_net_rate_of_the_last_12_months():
    coalition = Coalition(id=1, chat_id=-1, country="L", baseline_m2=500_000, created_at=NOW)
    figures = {f"2025-{m:02d}": (10_000, 0) for m in range(1, 13)} | {"2026-01": (40_000, 4_000), "2026-02": (0, 0)}
    rows = [
        ProgressReport(coalition_id=1, organisation="A", period=p, cleared=c, found=f, reported_at=NOW)
        for p, (c, f) in figures.items()
        if p != "2026-02"
    ]  # fmt: skip  (February: no report, counts 0)
    view = progress.compute(coalition, rows, "2026-02", date(2030, 1, 1))
    o = view.outlook
    last12 = list(figures.values())[-12:]  # March 2025 … February 2026
    rate = sum(c - f for c, f in last12) / 12
    assert o.projection_rate == pytest.approx(rate)
    remaining = 500_000 + 4_000 - (12 * 10_000 + 40_000)
    assert o.remaining == remaining and o.months_to_zero == pytest.approx(remaining / rate)
    # the verdict uses the net rate of the last six months: (10,000 × 4 + 40,000 − 4,000 + 0) / 6
    assert o.net_rate == pytest.approx((4 * 10_000 + 36_000) / 6)
    assert progress.outlook(100, None, "2026-02", [progress.Month("2026-02", 0, 50)]).months_to_zero is None


async def test_the_dashboard_counts_remaining_as_progress_does(db):
    rows = expected()
    async with db.transaction() as s:
        coalition = await _store(s)
        land = await dashboard.land(s, coalition)
        figures = await dashboard.public_figures(s, coalition, NOW)
    since = {k: v for k, v in rows.items() if k.split("/")[1] >= "2025-11"}
    remaining = 2_000_000 + _sum(since, "found", lambda k: True) - _sum(since, "released", lambda k: True)
    assert land.outlook is not None and land.outlook.remaining == remaining == figures.remaining
    assert land.monthly[0][0] == "2022-06"  # the release chart still starts at the first report


# Form I (international cooperation): the needs register of the year, summed by hand --------

BEIRUT_NEW_YEAR_2026 = datetime(2025, 12, 31, 22, 0, tzinfo=UTC)  # 00:00 on 1 January 2026 in Beirut
BEIRUT_NEW_YEAR_2027 = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
# (number, amount in minor units or None, currency, registered at, closed)
NEEDS = [
    (1, 45_000_000, "USD", datetime(2026, 2, 3, 9, 0, tzinfo=UTC), False),
    (2, 12_000_000, "EUR", datetime(2026, 6, 1, 9, 0, tzinfo=UTC), False),
    (3, None, None, datetime(2026, 7, 1, 9, 0, tzinfo=UTC), False),  # in kind
    (4, 500_000, "USD", BEIRUT_NEW_YEAR_2026 - timedelta(minutes=1), False),  # 2025 in Beirut
    (5, 300_000, "KWD", BEIRUT_NEW_YEAR_2027 - timedelta(minutes=1), True),  # 2026 in Beirut, closed
    (6, 3_000_000, "USD", BEIRUT_NEW_YEAR_2027, False),  # 2027
]
# (number, need, donor, amount, currency, state, pledged at)
PLEDGES = [
    (1, 1, "Embassy of Norway", 20_000_000, "USD", "committed", datetime(2026, 3, 1, tzinfo=UTC)),
    (2, 1, "Auswärtiges Amt", 15_000_000, "EUR", "pledged", datetime(2026, 4, 1, tzinfo=UTC)),  # other currency
    (3, 2, "Auswärtiges Amt", 5_000_000, "EUR", "disbursed", datetime(2026, 6, 2, tzinfo=UTC)),
    (4, 1, "Embassy of Norway", 1_000_000, "USD", "withdrawn", datetime(2026, 5, 1, tzinfo=UTC)),
    (5, 3, "UNDP", None, None, "pledged", datetime(2026, 7, 2, tzinfo=UTC)),  # in kind
    (6, 4, "UNDP", 100_000, "USD", "committed", datetime(2025, 12, 1, tzinfo=UTC)),  # a 2025 pledge
    (7, 6, "Embassy of Norway", 1_000_000, "USD", "pledged", datetime(2027, 1, 5, tzinfo=UTC)),
]
# (pledge, amount, currency, paid at)
TRANCHES = [
    (1, 7_500_000, "USD", datetime(2026, 9, 1, tzinfo=UTC)),
    (1, 2_500_000, "USD", BEIRUT_NEW_YEAR_2027),  # 2027 in Beirut: not in 2026
    (3, 2_000_050, "EUR", datetime(2026, 8, 1, tzinfo=UTC)),
    (3, 2_999_950, "EUR", datetime(2026, 10, 1, tzinfo=UTC)),
    (6, 50_000, "USD", datetime(2026, 2, 1, tzinfo=UTC)),  # a 2025 pledge paid in 2026 counts
]


async def _register(s, coalition: Coalition) -> None:
    """The rows as a clerk would have typed them into the tables, without the needs service."""
    from bot.models import Need, Pledge, PledgeStep

    ids = {}
    for number, amount, currency, at, closed in NEEDS:
        need = Need(coalition_id=coalition.id, number=number, title=f"Need {number}", amount=amount,
                    currency=currency, priority="high", created_at=at, closed_at=at if closed else None)  # fmt: skip
        s.add(need)
        await s.flush()
        ids[number] = need.id
    pledges = {}
    for number, need, org, amount, currency, state, at in PLEDGES:
        paid = sum(a for p, a, _, _ in TRANCHES if p == number)
        pledge = Pledge(coalition_id=coalition.id, need_id=ids[need], number=number, organisation=org,
                        amount=amount, currency=currency, in_kind="" if amount else "two machines", state=state,
                        disbursed=paid, pledged_at=at, confirmed_at=at)  # fmt: skip
        s.add(pledge)
        await s.flush()
        pledges[number] = pledge.id
    for number, amount, currency, at in TRANCHES:
        s.add(PledgeStep(pledge_id=pledges[number], kind="tranche", amount=amount, currency=currency, at=at))
    await s.flush()


def _by_currency(pairs) -> dict[str, int]:
    found: dict[str, int] = {}
    for code, value in pairs:
        found[code] = found.get(code, 0) + value
    return dict(sorted(found.items()))


def _in_2026(at: datetime) -> bool:
    return BEIRUT_NEW_YEAR_2026 <= at < BEIRUT_NEW_YEAR_2027


async def test_form_i_figures_recomputed_from_the_needs_rows(db):
    async with db.transaction() as s:
        coalition = await _store(s)
        await _register(s, coalition)
        c = (await treaty.article7(s, coalition, 2026, TODAY)).cooperation
    needs_2026 = [n for n in NEEDS if _in_2026(n[3])]
    pledges_2026 = [p for p in PLEDGES if _in_2026(p[6])]
    assert [n.number for n in c.needs] == [n[0] for n in needs_2026] == [1, 2, 3, 5]
    assert [p.number for p, _ in c.pledges] == [p[0] for p in pledges_2026] == [1, 2, 3, 4, 5]
    assert [need.number for _, need in c.pledges] == [1, 1, 2, 1, 3]
    assert c.requested == _by_currency((n[2], n[1]) for n in needs_2026 if n[1] is not None)
    assert c.requested == {"EUR": 12_000_000, "KWD": 300_000, "USD": 45_000_000}
    assert c.pledged == _by_currency((p[4], p[3]) for p in pledges_2026 if p[3] and p[5] != "withdrawn")
    assert c.pledged == {"EUR": 20_000_000, "USD": 20_000_000}  # never converted, withdrawn not counted
    assert c.in_kind == 1
    assert c.disbursed == _by_currency((t[2], t[1]) for t in TRANCHES if _in_2026(t[3]))
    assert c.disbursed == {"EUR": 5_000_000, "USD": 7_550_000}
    assert [(p.number, step.amount) for p, step, _ in c.disbursements] == [
        (6, 50_000), (3, 2_000_050), (1, 7_500_000), (3, 2_999_950)]  # fmt: skip
    # the gap now: open needs (any year) − their live pledges in the need's own currency
    assert c.gap == {"EUR": 12_000_000 - 5_000_000, "USD": (45_000_000 - 20_000_000) + (500_000 - 100_000)
                     + (3_000_000 - 1_000_000)}  # fmt: skip
    assert c.currencies == ["EUR", "KWD", "USD"]


async def test_form_i_is_kept_in_the_submission_and_compared_later(db):
    from bot.models import Pledge

    async with db.transaction() as s:
        coalition = await _store(s)
        await _register(s, coalition)
        sent = await treaty.submit(s, coalition, 2026, None, NOW)
        stored = json.loads(sent.submission.figures)
        assert stored["cooperation"] == {
            "requested": {"EUR": 12_000_000, "KWD": 300_000, "USD": 45_000_000},
            "pledged": {"EUR": 20_000_000, "USD": 20_000_000},
            "disbursed": {"EUR": 5_000_000, "USD": 7_550_000},
        }
        first = (await s.exec(select(Pledge).where(Pledge.number == 1))).one()
        first.amount = 18_000_000  # corrected after the submission
        s.add(first)
        await s.flush()
        now = await treaty.article7(s, coalition, 2026, TODAY)
        assert [(c.figure, c.currency, c.submitted, c.now) for c in now.changes] == [
            ("pledged", "USD", 20_000_000, 18_000_000)
        ]
        # a submission stored before Form I existed has no Form I to compare: no spurious change
        old = {k: v for k, v in stored.items() if k != "cooperation"}
        figures = treaty.snapshot(now.figures, now.cooperation)
        assert treaty.differences(old, figures) == []


def test_form_i_amounts_are_numbers_with_the_currencys_decimals_and_code_apart():
    from decimal import Decimal

    from bot.views.workbook import amount

    cells = [amount(minor, code) for minor, code in ((45_000_000, "USD"), (2_000_050, "EUR"), (300_123, "KWD"),
                                                     (1_500_000, "JPY"), (None, None))]  # fmt: skip
    assert [(c[0].value, c[0].format, c[1]) for c in cells[:4]] == [
        (450_000, "#,##0.00", "USD"),
        (Decimal("20000.5"), "#,##0.00", "EUR"),
        (Decimal("300.123"), "#,##0.000", "KWD"),
        (1_500_000, "#,##0", "JPY"),
    ]
    assert cells[4] == ["", ""]
