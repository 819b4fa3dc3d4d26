"""Issue 6 services: report parsing, who may report, the progress arithmetic, deadline planning."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.models import Coalition, ProgressReport, Reminder
from bot.services import coalitions, deadlines, members, progress, reports
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.members import Member, PersonInfo
from bot.services.reports import ReportDraft

TODAY = date(2027, 4, 5)
NOW = datetime(2027, 4, 5, 8, 0, tzinfo=UTC)


def test_a_full_report_is_parsed():
    draft = reports.parse_report(
        "period=2027-03 cancelled=120000 reduced=45000 cleared=38000 cmr=212 re_sessions=14 re_people=530", TODAY
    )
    assert draft == ReportDraft(
        "2027-03",
        {"cancelled": 120000, "reduced": 45000, "cleared": 38000, "cmr": 212, "re_sessions": 14, "re_people": 530},
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120,000", 120000),
        ("120 000", 120000),
        ("120\u202f000", 120000),
        ("120.000", 120000),
        ("١٢٠٠٠٠", 120000),
        ("١٢٠٬٠٠٠", 120000),
        ("1,234,567", 1234567),
        ("0", 0),
    ],
)
def test_figures_accept_the_separators_of_every_locale(text, value):
    assert reports.parse_figure("cleared", text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "{field} cannot be negative (“{value}”)."),
        ("−5", "{field} cannot be negative (“{value}”)."),
        ("1,5", "“{value}” is not a whole number for {field}."),
        ("12a", "“{value}” is not a whole number for {field}."),
        ("1,2345", "“{value}” is not a whole number for {field}."),
        ("", "“{value}” is not a whole number for {field}."),
        ("1000000000001", "{value} is too large for {field}."),
    ],
)
def test_bad_figures_name_the_field(text, message):
    with pytest.raises(InvalidInput) as error:
        reports.parse_figure("cleared", text)
    assert error.value.message == message and error.value.params["field"] == "cleared"


def test_org_values_run_to_the_next_key_and_keys_are_case_insensitive():
    draft = reports.parse_report("PERIOD=2027-3 org=HALO  Trust Cleared = 5 000", TODAY)
    assert (draft.period, draft.organisation, draft.figures) == ("2027-03", "HALO Trust", {"cleared": 5000})


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2027-04", True),
        ("2027-03", True),
        ("٢٠٢٧-٠٣", True),
        ("2027-05", False),
        ("2027-00", False),
        ("1999-12", False),
    ],
)
def test_periods_up_to_the_current_month(value, ok):
    if ok:
        assert reports.parse_period(value, TODAY) in ("2027-04", "2027-03")
    else:
        with pytest.raises(InvalidInput):
            reports.parse_period(value, TODAY)


async def test_who_may_report_for_which_organisation(db, clock):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), clock.now())
        people = [await members.upsert_person(s, PersonInfo(i, f"P{i}")) for i in (1, 2, 3)]
        npa, _ = await members.join(s, coalition, people[0], "operator", "NPA", clock.now())
        donor, _ = await members.join(s, coalition, people[1], "donor", "Norway", clock.now())
        bare, _ = await members.join(s, coalition, people[2], "operator", None, clock.now())
        operator, other = Member(npa, people[0]), Member(donor, people[1])
        with pytest.raises(NotAllowed, match="awaits a manager's confirmation"):  # SPEC §3: not confirmed yet
            await reports.organisation_for(s, coalition, operator, False, None)
        with pytest.raises(NotAllowed, match="awaits a manager's confirmation"):
            await reports.organisation_for(s, coalition, operator, False, "NPA")
        manager = await members.upsert_person(s, PersonInfo(9, "Rania"))
        await members.approve(s, operator, manager, clock.now())
        await members.approve(s, other, manager, clock.now())
        assert await reports.organisation_for(s, coalition, operator, False, None) == "NPA"
        assert await reports.organisation_for(s, coalition, operator, False, "npa") == "NPA"
        assert await reports.organisation_for(s, coalition, None, True, "Npa") == "NPA"
        with pytest.raises(NotAllowed):
            await reports.organisation_for(s, coalition, operator, False, "HALO")
        with pytest.raises(NotAllowed):
            await reports.organisation_for(s, coalition, other, False, None)
        with pytest.raises(NotFound):
            await reports.organisation_for(s, coalition, None, True, "HALO")
        with pytest.raises(InvalidInput):
            await reports.organisation_for(s, coalition, None, True, None)
        with pytest.raises(InvalidInput):  # an operator without an organisation
            await reports.organisation_for(s, coalition, Member(bare, people[2]), False, None)


async def test_a_report_is_stored_whole_and_a_duplicate_only_on_request(db, clock):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), clock.now())
        first = ReportDraft("2027-03", {"cleared": 38000, "cmr": 3})
        assert await reports.file(s, coalition, "NPA", first, None, NOW) is not None
        second = ReportDraft("2027-03", {"reduced": 5})
        assert await reports.file(s, coalition, "NPA", second, None, NOW) is None
        stored = await reports.existing(s, coalition, "NPA", "2027-03")
        assert (stored.cleared, stored.reduced, stored.cmr) == (38000, 0, 3)
        await reports.file(s, coalition, "NPA", second, None, NOW, replace=True)
        stored = (await s.exec(select(ProgressReport))).one()
        assert (stored.cleared, stored.reduced, stored.cmr) == (0, 5, 0)
        with pytest.raises(InvalidInput):  # in Beirut it is still 5 April 2027
            await reports.file(s, coalition, "NPA", ReportDraft("2027-05", {"cleared": 1}), None, NOW)


def _row(org: str, period: str, **figures: int) -> ProgressReport:
    return ProgressReport(coalition_id=1, organisation=org, period=period, reported_at=NOW, **figures)


@pytest.mark.parametrize(
    ("period", "deadline", "months"),
    [
        ("2027-03", date(2028, 8, 1), 16.0),
        ("2027-02", date(2028, 8, 1), 17.0),
        ("2027-12", date(2028, 1, 1), 0.0),
        ("2027-03", date(2027, 6, 16), 2.5),  # April, May, and 15 of June's 30 days
        ("2028-09", date(2028, 8, 1), -2.0),
    ],
)
def test_months_left(period, deadline, months):
    assert progress.months_left(period, deadline) == pytest.approx(months)


def test_rates_and_verdict_by_hand():
    rows = [
        _row("NPA", "2027-02", cleared=30000),
        _row("NPA", "2027-03", cancelled=120000, reduced=45000, cleared=38000, cmr=212),
        _row("HALO", "2027-03", cleared=50000),
    ]
    coalition = Coalition(id=1, chat_id=-1, country="Lebanon", baseline_m2=1_000_000, created_at=NOW)
    view = progress.compute(coalition, rows, "2027-03", date(2028, 8, 1))
    o = view.outlook
    assert (o.released, o.remaining, o.months_left, o.window_months) == (283000, 717000, 16.0, 2)
    assert o.needed_rate == 717000 / 16 == 44812.5
    assert o.achieved_rate == 283000 / 2 == 141500
    assert o.on_track is True and o.share == pytest.approx(0.283)
    assert [(p.organisation, p.period.released, p.cumulative.released, p.reported) for p in view.operators] == [
        ("HALO", 50000, 50000, True),
        ("NPA", 203000, 233000, True),
    ]
    assert view.period_total.cmr == 212 and view.cumulative_total.released == 283000
    at_risk = progress.outlook(5_000_000, date(2028, 8, 1), "2027-03", view.monthly)
    assert at_risk.needed_rate == 4_717_000 / 16 and at_risk.on_track is False


def test_the_rate_window_is_the_last_six_months_with_gaps_as_zero():
    rows = [_row("NPA", f"2026-{m:02d}", cleared=1000 * m) for m in (1, 2, 3, 4, 6, 8)]  # no May, no July
    monthly = progress.monthly_figures(rows, "2026-01", "2026-08")
    assert [m.period for m in monthly] == [f"2026-{m:02d}" for m in range(1, 9)]
    o = progress.outlook(100_000, date(2027, 1, 1), "2026-08", monthly)
    # March..August: 3000 + 4000 + 0 + 6000 + 0 + 8000 = 21,000 / 6 = 3,500 a month
    assert o.window_months == 6 and o.achieved_rate == 3500
    # 100,000 − 24,000 = 76,000 left over September..December (4 months) = 19,000 needed
    assert o.needed_rate == 19000 and o.on_track is False


def test_verdicts_at_the_edges():
    monthly = [progress.Month("2027-03", 10)]
    assert progress.outlook(None, date(2028, 1, 1), "2027-03", monthly).on_track is None
    assert progress.outlook(100, None, "2027-03", monthly).on_track is None
    assert progress.outlook(10, date(2027, 4, 1), "2027-03", monthly).on_track is True  # all released
    late = progress.outlook(100, date(2027, 4, 1), "2027-03", monthly)  # deadline reached, area left
    assert late.needed_rate is None and late.on_track is False


async def test_deadline_alerts_are_planned_per_revision_and_offset(db, clock):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), clock.now())
        _deadline, alerts = await deadlines.set_deadline(s, coalition, "article4", date(2029, 9, 1), None, NOW)
        assert [a.label for a in alerts] == ["24m", "12m", "6m", "3m"]
        assert alerts[0].due_at == datetime(2027, 9, 1, 6, 0, tzinfo=UTC)
        assert alerts[2].due_at == datetime(2029, 3, 1, 7, 0, tzinfo=UTC)  # winter time in Beirut
        again, same = await deadlines.set_deadline(s, coalition, "article4", date(2029, 9, 1), None, NOW)
        assert again.revision == 1 and [a.key for a in same] == [a.key for a in alerts]
        moved, planned = await deadlines.set_deadline(s, coalition, "article4", date(2027, 9, 1), None, NOW)
        assert moved.revision == 2 and [a.label for a in planned] == ["3m"]
        states = {r.key: r.state for r in await s.exec(select(Reminder))}
        assert sum(state == "dropped" for state in states.values()) == 4
        assert states[f"deadline:{moved.id}:r2:3m"] == "pending"


@pytest.mark.parametrize(("value", "article"), [("article4", "article4"), ("Article 3", "article3"), ("4", "article4")])
def test_articles(value, article):
    assert deadlines.parse_article(value) == article


@pytest.mark.parametrize("value", ["article5", "", "clearance"])
def test_unknown_articles(value):
    with pytest.raises(InvalidInput):
        deadlines.parse_article(value)
