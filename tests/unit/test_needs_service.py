"""Issue 14 services: amounts as typed, the need and pledge grammar, the gap arithmetic per
currency, pledge steps and tranches, closed needs, rights, nudges and the year's flows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.models import Need, Pledge, PledgeStep, Reminder
from bot.services import coalitions, members, money, needs
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.members import Member, PersonInfo
from bot.services.money import Money

TODAY = date(2027, 1, 10)


@pytest.mark.parametrize(
    ("text", "minor", "code"),
    [
        ("450000 USD", 45000000, "USD"),
        ("450 000 USD", 45000000, "USD"),
        ("450\u00a0000 USD", 45000000, "USD"),
        ("450\u202f000 USD", 45000000, "USD"),
        ("450,000 USD", 45000000, "USD"),
        ("450.000 EUR", 45000000, "EUR"),
        ("450.000,50 EUR", 45000050, "EUR"),
        ("450,000.50 USD", 45000050, "USD"),
        ("1,5 EUR", 150, "EUR"),
        ("12.75 usd", 1275, "USD"),
        ("USD 450000", 45000000, "USD"),
        ("USD450000", 45000000, "USD"),
        ("EUR 1.234.567,89", 123456789, "EUR"),
        ("٤٥٠٠٠٠ USD", 45000000, "USD"),
        ("٤٥٠٬٠٠٠ USD", 45000000, "USD"),
        ("٤٥٠٠٠٠٫٥ USD", 45000050, "USD"),
        ("\u2068450000\u2069 USD", 45000000, "USD"),
        ("1 500 000 JPY", 1500000, "JPY"),
        ("12,345 KWD", 12345000, "KWD"),
        ("2.5 KWD", 2500, "KWD"),
    ],
)
def test_every_amount_form_becomes_minor_units(text, minor, code):
    assert money.parse_money(text) == Money(minor, code)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("450000 XYZ", ["XYZ", "ISO 4217"]),
        ("450000", ["currency"]),
        ("1,5 JPY", ["JPY", "0 decimals"]),
        ("1,555 JPY", []),  # three digits: thousands (1555), valid
        ("45,00,000 USD", ["45,00,000", "amount"]),
        ("0 USD", ["zero"]),
        ("9999999999999999 USD", ["too large"]),
        ("USD", ["amount"]),
    ],
)
def test_bad_amounts_are_refused_naming_what_is_wrong(text, words):
    if not words:
        assert money.parse_money(text) == Money(1555, "JPY")
        return
    with pytest.raises(InvalidInput) as error:
        money.parse_money(text)
    assert all(word in str(error.value) for word in words)


def test_the_amount_of_a_need_is_the_last_thing_in_its_text():
    assert money.split_amount("Technical survey of sector 4 450000 USD") == (
        "Technical survey of sector 4",
        Money(45000000, "USD"),
    )
    assert money.split_amount("Survey USD 450 000") == ("Survey", Money(45000000, "USD"))
    assert money.split_amount("Train 200 men") == ("Train 200 men", None)  # no currency: in kind
    assert money.split_amount("Clearance of area 4") == ("Clearance of area 4", None)
    with pytest.raises(InvalidInput, match="currency"):
        money.split_amount("Survey 450000")
    with pytest.raises(InvalidInput, match="XYZ"):
        money.split_amount("Survey 450000 XYZ")


def test_a_need_is_parsed_with_its_options_in_any_order():
    draft = needs.parse_need("Technical survey of sector 4 450000 USD by 2027-06 priority high", TODAY)
    assert draft == needs.NeedDraft("Technical survey of sector 4", Money(45000000, "USD"), "2027-06", "high")
    other = needs.parse_need("Machines priorité haute avant 2027-01", TODAY)
    assert other == needs.NeedDraft("Machines", None, "2027-01", "high")
    assert needs.parse_need("Survey 1000 EUR", TODAY).priority == "medium"
    assert needs.parse_need("Survey requested by LMAC", TODAY).title == "Survey requested by LMAC"
    for text, word in [
        ("Survey 1000 EUR by 2026-12", "past"),
        ("Survey by 2027-13", "YYYY-MM"),
        ("Survey priority urgent", "urgent"),
        ("450000 USD", "title"),
        ("x" * 201, "200"),
    ]:
        with pytest.raises(InvalidInput, match=word):
            needs.parse_need(text, TODAY)


def test_a_pledge_is_parsed_with_date_note_and_donor():
    known = ["Embassy of Norway", "NPA"]
    draft = needs.parse_pledge("200000 USD by 2027-03-31 first tranche", known)
    assert draft == needs.PledgeDraft(Money(20000000, "USD"), "", date(2027, 3, 31), "first tranche", None)
    assert needs.parse_pledge("150 000 EUR org=embassy of norway at M1", known).organisation == "Embassy of Norway"
    assert needs.parse_pledge("150 000 EUR org=embassy of norway at M1", known).note == "at M1"
    quoted = needs.parse_pledge('5000 USD org="Embassy of Japan" seed money', known)
    assert (quoted.organisation, quoted.note) == ("Embassy of Japan", "seed money")
    unknown = needs.parse_pledge("5000 USD org=KOICA Korea by 2027-05-01", known)
    assert (unknown.organisation, unknown.by_date) == ("KOICA Korea", date(2027, 5, 1))
    kind = needs.parse_pledge("in-kind two mechanical demining machines", known)
    assert (kind.money, kind.in_kind) == (None, "two mechanical demining machines")
    with pytest.raises(InvalidInput, match="2027-02-30"):
        needs.parse_pledge("1000 USD by 2027-02-30", known)
    with pytest.raises(InvalidInput, match="in kind"):
        needs.parse_pledge("in-kind", known)


def _need(amount: int | None = 45000000, currency: str | None = "USD", **fields) -> Need:
    return Need(
        coalition_id=1,
        number=1,
        title="Survey",
        amount=amount,
        currency=currency,
        created_at=datetime.now(UTC),
        **fields,
    )


def _pledge(
    number: int, amount: int | None, currency: str | None, state: str = "pledged", disbursed: int = 0
) -> Pledge:
    return Pledge(
        coalition_id=1,
        need_id=1,
        number=number,
        organisation=f"Donor {number}",
        amount=amount,
        currency=currency,
        in_kind="" if amount else "machines",
        state=state,
        disbursed=disbursed,
        pledged_at=datetime.now(UTC),
    )


def test_the_gap_counts_only_live_pledges_in_the_needs_currency():
    pledges = [
        _pledge(1, 20000000, "USD", "committed", disbursed=5000000),
        _pledge(2, 10000000, "USD"),
        _pledge(3, 15000000, "EUR"),
        _pledge(4, None, None),
        _pledge(5, 30000000, "USD", "withdrawn"),
        _pledge(6, 5000000, "USD", "disbursed", disbursed=5000000),
        _pledge(7, 100000, "EUR", "committed"),
    ]
    totals = needs.need_totals(_need(), pledges)
    assert (totals.pledged, totals.committed, totals.disbursed) == (35000000, 25000000, 10000000)
    assert (totals.gap, totals.surplus) == (10000000, 0)
    assert totals.others == {"EUR": 15100000}
    assert [p.number for p in totals.in_kind] == [4]
    assert totals.donors == ["Donor 1", "Donor 2", "Donor 3", "Donor 4", "Donor 6", "Donor 7"]
    assert totals.disbursed <= totals.committed <= totals.pledged


def test_a_surplus_is_shown_and_the_gap_never_goes_below_zero():
    totals = needs.need_totals(_need(10000), [_pledge(1, 25000, "USD")])
    assert (totals.gap, totals.surplus) == (0, 15000)


def test_a_need_in_kind_has_no_gap_and_lists_every_amount():
    totals = needs.need_totals(_need(None, None), [_pledge(1, 25000, "USD"), _pledge(2, None, None)])
    assert (totals.gap, totals.surplus, totals.pledged) == (None, 0, 0)
    assert totals.others == {"USD": 25000}


def test_the_coalitions_gap_is_per_currency_and_skips_closed_needs():
    usd = needs.need_totals(_need(100000, "USD"), [_pledge(1, 40000, "USD")])
    usd2 = needs.need_totals(_need(50000, "USD"), [])
    eur = needs.need_totals(_need(70000, "EUR"), [_pledge(2, 90000, "USD")])  # another currency: not subtracted
    full = needs.need_totals(_need(10, "JPY"), [_pledge(3, 10, "JPY")])
    closed = needs.need_totals(_need(999, "GBP", closed_at=datetime.now(UTC)), [])
    assert needs.gap_by_currency([usd, usd2, eur, full, closed]) == {"EUR": 70000, "USD": 110000}


async def _setup(s, clock):
    coalition, _ = await coalitions.setup(s, -100, "G", SetupRequest("Lebanon", "Asia/Beirut"), clock.now())
    people = [await members.upsert_person(s, PersonInfo(i, f"P{i}")) for i in (1, 2, 3, 4)]
    donor, _ = await members.join(s, coalition, people[0], "donor", "Embassy of Norway", clock.now())
    operator, _ = await members.join(s, coalition, people[1], "operator", "NPA", clock.now())
    bare, _ = await members.join(s, coalition, people[2], "donor", None, clock.now())
    other, _ = await members.join(s, coalition, people[3], "donor", "Auswärtiges Amt", clock.now())
    manager = await members.upsert_person(s, PersonInfo(9, "Rania"))  # confirms the claims (SPEC §3)
    joined = [Member(m, p) for m, p in zip((donor, operator, bare, other), people, strict=True)]
    for member in (joined[0], joined[1], joined[3]):
        await members.approve(s, member, manager, clock.now())
    return coalition, joined


async def test_rights_of_pledgers(db, clock):
    async with db.transaction() as s:
        _, (donor, operator, bare, other) = await _setup(s, clock)
        assert needs.pledger_organisation(donor, False, None) == ("Embassy of Norway", True)
        assert needs.pledger_organisation(donor, False, "embassy of norway") == ("Embassy of Norway", True)
        assert needs.pledger_organisation(operator, True, "Embassy of Norway") == ("Embassy of Norway", False)
        for member, manager, wanted in [
            (operator, False, None),
            (bare, False, None),
            (donor, False, "Auswärtiges Amt"),
            (None, False, None),
        ]:
            with pytest.raises(NotAllowed):
                needs.pledger_organisation(member, manager, wanted)
        with pytest.raises(InvalidInput, match="org="):
            needs.pledger_organisation(None, True, None)
        pledge = _pledge(1, 100, "USD")
        pledge.organisation = "EMBASSY  of Norway"
        assert needs.may_change(pledge, donor, False) and needs.may_change(pledge, None, True)
        assert not any(needs.may_change(pledge, m, False) for m in (operator, bare, other, None))


async def test_an_unconfirmed_donor_acts_as_an_individual(db, clock):
    """SPEC §3, §13: a donor whose claim awaits a manager cannot pledge for it, nor change or
    confirm its pledges, and is told why; once confirmed, they can."""
    async with db.transaction() as s:
        coalition, (donor, *_) = await _setup(s, clock)
        person = await members.upsert_person(s, PersonInfo(5, "Eve"))
        record, _ = await members.join(s, coalition, person, "donor", "embassy of NORWAY", clock.now())
        eve = Member(record, person)
        assert (eve.acting_organisation, eve.awaiting_organisation) == (None, "Embassy of Norway")
        pledge = _pledge(1, 100, "USD")
        pledge.organisation = "Embassy of Norway"
        for attempt in (
            lambda: needs.pledger_organisation(eve, False, None),
            lambda: needs.pledger_organisation(eve, False, "Embassy of Norway"),
            lambda: needs.require_change(pledge, eve, False),
            lambda: needs.confirm(s, pledge, eve, person, clock.now()),
        ):
            with pytest.raises(NotAllowed, match="awaits a manager's confirmation"):
                attempt()
        await members.approve(s, eve, donor.person, clock.now())
        assert needs.pledger_organisation(eve, False, None) == ("Embassy of Norway", True)
        assert needs.may_change(pledge, eve, False)


async def test_steps_tranches_and_nudges(db, clock):
    async with db.transaction() as s:
        coalition, (donor, *_) = await _setup(s, clock)
        now = clock.now()
        draft = needs.parse_need("Survey 450000 USD priority high", TODAY)
        need = await needs.add_need(s, coalition, draft, donor.person, now)
        pledge = await needs.add_pledge(
            s, coalition, need, needs.parse_pledge("300000 USD", []), "Embassy of Norway", True, donor.person, now
        )
        assert pledge.by_date is None and (await s.exec(select(Reminder))).all() == []
        await needs.commit(s, coalition, pledge, donor.person, now)
        assert pledge.by_date == TODAY + timedelta(days=90)
        nudges = list((await s.exec(select(Reminder).order_by(Reminder.due_at))).all())
        assert [r.key for r in nudges] == [f"pledge:{pledge.id}:r1:{i}" for i in (1, 2, 3)]
        assert nudges[0].due_at == datetime(2027, 5, 10, 6, 0, tzinfo=UTC)
        await needs.disburse(s, coalition, pledge, Money(10000000, "USD"), donor.person, now)
        assert (pledge.state, pledge.disbursed) == ("committed", 10000000)
        with pytest.raises(InvalidInput, match="exceed"):
            await needs.disburse(s, coalition, pledge, Money(25000000, "USD"), donor.person, now)
        with pytest.raises(InvalidInput, match="disbursed tranches"):
            await needs.withdraw(s, pledge, "", donor.person, now)
        await needs.move_date(s, coalition, pledge, date(2027, 6, 1), donor.person, now)
        states = {r.key: r.state for r in (await s.exec(select(Reminder))).all()}
        assert states[f"pledge:{pledge.id}:r1:1"] == "dropped" and states[f"pledge:{pledge.id}:r2:1"] == "pending"
        await needs.disburse(s, coalition, pledge, Money(20000000, "USD"), donor.person, now + timedelta(days=1))
        assert pledge.state == "disbursed" and pledge.disbursed_at == now + timedelta(days=1)
        assert {r.state for r in (await s.exec(select(Reminder))).all()} == {"dropped"}
        kinds = [step.kind for step in (await s.exec(select(PledgeStep).order_by(PledgeStep.id))).all()]
        assert kinds == ["pledged", "committed", "tranche", "by", "tranche", "disbursed"]
        (item,) = await needs.totals(s, coalition)
        assert (item.pledged, item.committed, item.disbursed, item.gap) == (30000000, 30000000, 30000000, 15000000)
        await needs.correct_amount(s, coalition, pledge, Money(35000000, "USD"), donor.person, now)
        assert (pledge.state, pledge.disbursed_at, pledge.revision) == ("committed", None, 3)
        pending = [r.key for r in (await s.exec(select(Reminder))).all() if r.state == "pending"]
        assert sorted(pending) == [f"pledge:{pledge.id}:r3:{i}" for i in (1, 2, 3)]
        with pytest.raises(InvalidInput, match="more than that"):
            await needs.correct_amount(s, coalition, pledge, Money(100, "USD"), donor.person, now)


async def test_closed_needs_leave_the_list_and_the_gap_but_stay_readable(db, clock):
    async with db.transaction() as s:
        coalition, _ = await _setup(s, clock)
        now = clock.now()
        first = await needs.add_need(s, coalition, needs.parse_need("A 1000 USD", TODAY), None, now)
        await needs.add_need(s, coalition, needs.parse_need("B 500 USD priority high", TODAY), None, now)
        await needs.close_need(s, first, now)
        with pytest.raises(InvalidInput, match="already closed"):
            await needs.close_need(s, first, now)
        with pytest.raises(InvalidInput, match="closed"):
            await needs.add_pledge(s, coalition, first, needs.parse_pledge("1 USD", []), "X", True, None, now)
        items = await needs.totals(s, coalition)
        assert [i.title for i in items] == ["B"]
        assert needs.gap_by_currency(items) == {"USD": 50000}
        assert [i.title for i in await needs.totals(s, coalition, include_closed=True)] == ["B", "A"]  # by priority


async def test_the_years_flows_for_article_7(db, clock):
    async with db.transaction() as s:
        coalition, _ = await _setup(s, clock)
        last_year = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Beirut
        need = await needs.add_need(s, coalition, needs.parse_need("A 1000 USD", date(2026, 12, 31)), None, last_year)
        old = await needs.add_need(
            s, coalition, needs.parse_need("B 10 USD", date(2026, 1, 1)), None, datetime(2026, 5, 1, tzinfo=UTC)
        )
        pledge = await needs.add_pledge(
            s, coalition, need, needs.parse_pledge("600 USD", []), "N", True, None, clock.now()
        )
        await needs.disburse(s, coalition, pledge, Money(20000, "USD"), None, clock.now())
        flows = await needs.year_flows(s, coalition, 2027)
        assert [n.title for n in flows.needs] == ["A"] and old not in flows.needs
        assert [p.number for p in flows.pledges] == [1]
        assert [(p.number, step.amount) for p, step in flows.disbursements] == [(1, 20000)]
        assert (await needs.year_flows(s, coalition, 2026)).pledges == []
