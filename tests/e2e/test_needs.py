"""Issue 14 end to end: needs, pledges and the funding gap (SPEC §13), their two scheduled
jobs (SPEC §6), the summary's section and the CSV files, with every refusal."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Need, Pledge, PledgeStep, Proposal, Reminder
from bot.services import export as export_service
from bot.services.coalitions import by_chat
from bot.store.database import Database
from jobs.watchdogs import run_watchdogs
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, started_bot

SURVEY = "/need Technical survey of sector 4 450000 USD by 2027-06 priority high"


def _context(bot):
    return type("Ctx", (), {"runtime": bot.app.bot_data["runtime"]})()


async def _tick(bot):
    await bot.dispatcher.tick()
    await bot.idle()


async def _confirm(bot, chat_id: int, *usernames: str) -> None:
    """A manager confirms the donors' organisations (SPEC §3); without a pending claim it is a no-op."""
    for username in usernames:
        await bot.say(chat_id, ADMIN, f"/approve @{username}")


@pytest.fixture
async def funded(coalition):
    """N1 (high, 450 000 USD) registered by the administrator; Salim joins for Germany."""
    await coalition.say(GROUP, ADMIN, SURVEY)
    await coalition.say(GROUP, SALIM, "/join donor Auswärtiges Amt")
    await _confirm(coalition, GROUP, "john", "salim")
    return coalition


async def test_a_manager_registers_a_need_shown_in_the_readers_format(coalition):
    bot = coalition
    reply = await bot.say(GROUP, ADMIN, SURVEY)
    assert "Need N1 registered" in reply.text and "Technical survey of sector 4" in reply.text
    assert "$450,000" in reply.text and "June 2027" in reply.text and "priority high" in reply.text
    (need,) = await bot.rows(Need)
    assert (need.number, need.amount, need.currency, need.due_month, need.priority) == (
        1,
        45000000,
        "USD",
        "2027-06",
        "high",
    )
    kind = await bot.say(GROUP, ADMIN, "/need Two mechanical demining machines priority medium")
    assert "N2" in kind.text and "in kind" in kind.text
    closed = await bot.say(GROUP, ADMIN, "/need N2 close")
    assert "N2 closed" in closed.text
    again = await bot.say(GROUP, ADMIN, "/need N2 close")
    assert "already closed" in again.text
    listing = await bot.say(GROUP, JOHN, "/needs")
    assert "N1" in listing.text and "N2" not in listing.text


AMOUNTS = [
    ("450 000 USD", 45000000, "USD"),
    ("450,000 USD", 45000000, "USD"),
    ("EUR 450.000,50", 45000050, "EUR"),
    ("٤٥٠٬٠٠٠ USD", 45000000, "USD"),
    ("USD ٤٥٠٠٠٠", 45000000, "USD"),
    ("1 500 000 JPY", 1500000, "JPY"),
]


async def test_every_amount_form_is_read(coalition):
    bot = coalition
    for index, (amount, _, _) in enumerate(AMOUNTS, start=1):
        reply = await bot.say(GROUP, ADMIN, f"/need Need {'ABCDEF'[index - 1]} {amount}")
        assert f"N{index} registered" in reply.text
    rows = await bot.rows(Need)
    assert [(n.title, n.amount, n.currency) for n in rows] == [
        (f"Need {'ABCDEF'[i]}", minor, code) for i, (_, minor, code) in enumerate(AMOUNTS)
    ]

    assert "€450,000.50" in (await bot.say(GROUP, JOHN, "/needs")).text


BAD_NEEDS = [
    ("/need Survey 450000 XYZ", ["XYZ", "currency"]),
    ("/need Survey 45,00,000 USD", ["45,00,000", "amount"]),
    ("/need Survey 450000", ["450000", "currency"]),
    ("/need Survey 1,5 JPY", ["JPY", "decimals"]),
    ("/need Survey 450000 USD by 2026-12", ["2026-12", "past"]),
    ("/need Survey 450000 USD by 2027-6", ["2027-6", "YYYY-MM"]),
    ("/need Survey 450000 USD priority urgent", ["urgent", "priority"]),
    ("/need", ["title"]),
]


async def test_bad_needs_are_refused_naming_the_field_and_nothing_is_stored(coalition):
    bot = coalition
    for command, words in BAD_NEEDS:
        reply = await bot.say(GROUP, ADMIN, command)
        assert all(w in reply.text for w in words), (command, reply.text)
    refused = await bot.say(GROUP, JOHN, SURVEY)
    assert "managers" in refused.text
    assert await bot.rows(Need) == []


async def test_donors_pledge_in_two_currencies_and_the_gap_counts_only_the_needs_currency(funded):
    bot = funded
    reply = await bot.say(GROUP, JOHN, "/pledge N1 200000 USD by 2027-03-31 first tranche")
    assert "Pledge PL1 to need N1 recorded" in reply.text and "Embassy of Norway" in reply.text
    assert "$200,000" in reply.text and "March 31, 2027" in reply.text and "first tranche" in reply.text
    other = await bot.say(GROUP, SALIM, "/pledge N1 150 000 EUR")
    assert "PL2" in other.text and "€150,000" in other.text
    kind = await bot.say(GROUP, JOHN, "/pledge N1 in-kind two mechanical demining machines")
    assert "PL3" in kind.text and "two mechanical demining machines" in kind.text
    listing = (await bot.say(GROUP, NADIA, "/needs")).text
    assert "Pledged $200,000 · committed $0 · disbursed $0" in listing
    assert "Funding gap: $250,000" in listing
    assert "Also pledged (not subtracted): €150,000" in listing
    assert "Auswärtiges Amt" in listing and "two mechanical demining machines" in listing
    assert "Total funding gap: $250,000" in listing
    pledges = await bot.rows(Pledge)
    assert [(p.organisation, p.amount, p.currency, p.confirmed_at is not None) for p in pledges] == [
        ("Embassy of Norway", 20000000, "USD", True),
        ("Auswärtiges Amt", 15000000, "EUR", True),
        ("Embassy of Norway", None, None, True),
    ]


async def test_a_pledge_moves_through_its_dated_steps_with_tranches(funded):
    bot = funded
    await bot.say(GROUP, JOHN, "/pledge N1 300000 USD")
    committed = await bot.say(GROUP, JOHN, "/pledge PL1 committed")
    assert "committed on" in committed.text and "expected by April 10, 2027" in committed.text  # 90 days later
    bot.clock.set(bot.clock.now() + timedelta(days=5))
    tranche = await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 100 000 USD")
    assert "disbursed so far: $100,000" in tranche.text
    listing = (await bot.say(GROUP, JOHN, "/needs")).text
    assert "Pledged $300,000 · committed $300,000 · disbursed $100,000" in listing
    assert "Funding gap: $150,000" in listing
    too_much = await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 250000 USD")
    assert "exceed" in too_much.text
    wrong = await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 1000 EUR")
    assert "USD" in wrong.text
    corrected = await bot.say(GROUP, JOHN, "/pledge PL1 amount 500000 USD")
    assert "$500,000" in corrected.text
    surplus = (await bot.say(GROUP, JOHN, "/needs")).text
    assert "Fully pledged; surplus: $50,000" in surplus and "Total funding gap: none" in surplus
    done = await bot.say(GROUP, JOHN, "/pledge PL1 disbursed")
    assert "disbursed on" in done.text
    (pledge,) = await bot.rows(Pledge)
    assert (pledge.state, pledge.disbursed, pledge.amount) == ("disbursed", 50000000, 50000000)
    assert pledge.committed_at < pledge.disbursed_at
    steps = [(s.kind, s.amount) for s in await bot.rows(PledgeStep)]
    assert steps == [
        ("pledged", 30000000),
        ("committed", None),
        ("tranche", 10000000),
        ("amount", 50000000),
        ("tranche", 40000000),
        ("disbursed", None),
    ]
    assert "already fully disbursed" in (await bot.say(GROUP, JOHN, "/pledge PL1 committed")).text


async def test_withdrawn_pledges_do_not_count(funded):
    bot = funded
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD")
    reply = await bot.say(GROUP, JOHN, "/pledge PL1 withdrawn budget cut")
    assert "withdrawn on" in reply.text and "budget cut" in reply.text
    listing = (await bot.say(GROUP, JOHN, "/needs")).text
    assert "Funding gap: $450,000" in listing and "No pledge yet." in listing
    assert "withdrawn" in (await bot.say(GROUP, JOHN, "/pledge PL1 committed")).text


async def test_only_the_donor_organisation_or_a_manager_pledges_and_changes_a_pledge(funded):
    bot = funded
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD")
    refusals = [
        (NADIA, "/pledge N1 1000 USD", "donors"),  # an operator
        (NADIA, "/pledge PL1 committed", "Embassy of Norway"),
        (SALIM, "/pledge PL1 withdrawn", "Embassy of Norway"),  # a donor of another organisation
        (SALIM, "/pledge N1 1000 USD org=Embassy of Norway", "manager"),
        (NADIA, "/pledge PL1 confirm", "Embassy of Norway"),
    ]
    for user, command, word in refusals:
        reply = await bot.say(GROUP, user, command)
        assert word in reply.text, (command, reply.text)
    bot.emu.add_user(2001, "Omar", username="omar", language_code="en")
    stranger = await bot.say(GROUP, 2001, "/pledge PL1 committed")
    assert "Embassy of Norway" in stranger.text
    await bot.say(GROUP, 2001, "/join donor")
    alone = await bot.say(GROUP, 2001, "/pledge N1 1000 USD")
    assert "confirmed organisation" in alone.text
    (pledge,) = await bot.rows(Pledge)
    assert (pledge.state, pledge.amount) == ("pledged", 20000000)
    manager = await bot.say(GROUP, ADMIN, "/pledge PL1 committed")
    assert "committed on" in manager.text
    private = await bot.say(JOHN, JOHN, "/pledge N1 1000 USD")
    assert "group" in private.text
    assert len(await bot.rows(Pledge)) == 1


async def test_another_coalitions_needs_and_pledges_are_out_of_reach(funded):
    bot = funded
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD")
    bot.emu.add_group(-3003, "Laos", admins=[ADMIN], creator=ADMIN)
    await bot.say(-3003, ADMIN, "/setup Laos Asia/Vientiane en")
    await bot.say(-3003, JOHN, "/join donor Embassy of Norway")
    await _confirm(bot, -3003, "john")
    unknown = await bot.say(-3003, JOHN, "/pledge N1 5000 USD")
    assert "No need N1" in unknown.text
    foreign = await bot.say(-3003, JOHN, "/pledge PL1 committed")
    assert "No pledge PL1" in foreign.text
    await bot.say(-3003, ADMIN, "/need Victim assistance centre 90000 EUR priority high")
    outsider = await bot.say(-3003, SALIM, "/pledge N1 100 EUR")
    assert "donors" in outsider.text  # Salim is no member of the Laos coalition
    (pledge,) = await bot.rows(Pledge)
    assert pledge.state == "pledged"
    await bot.say(JOHN, JOHN, "/start")
    private = await bot.say(JOHN, JOHN, "/needs")
    assert "Laos" in private.text and "Lebanon" in private.text
    assert private.text.index("Laos") < private.text.index("Lebanon")
    assert "Victim assistance centre" in private.text and "Technical survey" in private.text


async def test_a_managers_record_shows_who_recorded_it_until_the_donor_confirms(funded):
    bot = funded
    await bot.say(JOHN, JOHN, "/start")
    seen = bot.snapshot()
    reply = await bot.say(GROUP, ADMIN, "/pledge N1 100000 USD org=embassy of norway announced at M1")
    assert "Embassy of Norway" in reply.text and "recorded by Rania Haddad" in reply.text
    ask = await bot.next(JOHN, seen)
    assert "/pledge PL1 confirm" in ask.text
    (pledge,) = await bot.rows(Pledge)
    assert pledge.confirmed_at is None and pledge.note == "announced at M1"
    assert "recorded by Rania Haddad" in (await bot.say(GROUP, NADIA, "/needs")).text
    assert "Only a confirmed member" in (await bot.say(GROUP, ADMIN, "/pledge PL1 confirm")).text
    confirmed = await bot.say(GROUP, JOHN, "/pledge PL1 confirm")
    assert "updated" in confirmed.text and "recorded by" not in confirmed.text
    assert "recorded by" not in (await bot.say(GROUP, NADIA, "/needs")).text
    unknown = await bot.say(GROUP, ADMIN, '/pledge N1 5000 USD org="Embassy of Japan" by 2027-05-01')
    assert "Embassy of Japan" in unknown.text and "May 1, 2027" in unknown.text
    missing = await bot.say(GROUP, ADMIN, "/pledge N1 5000 USD")
    assert "org=" in missing.text


async def test_bad_pledges_are_refused_and_nothing_is_stored(funded):
    bot = funded
    for command, word in [
        ("/pledge N1 200000 XYZ", "XYZ"),
        ("/pledge N1 200000", "currency"),
        ("/pledge N1 USD", "amount"),
        ("/pledge N1 200000 USD by 2026-01-01", "past"),
        ("/pledge N1 200000 USD by 2027-02-30", "2027-02-30"),
        ("/pledge N1 in-kind", "in kind"),
        ("/pledge N9 1000 USD", "No need N9"),
        ("/pledge PL9 committed", "No pledge PL9"),
        ("/pledge", "amount"),
    ]:
        reply = await bot.say(GROUP, JOHN, command)
        assert word in reply.text, (command, reply.text)
    assert await bot.rows(Pledge) == []
    await bot.say(GROUP, JOHN, "/pledge N1 1000 USD")
    assert "Unknown pledge step" in (await bot.say(GROUP, JOHN, "/pledge PL1 paid")).text
    await bot.say(GROUP, ADMIN, "/need N1 close")
    assert "closed" in (await bot.say(GROUP, JOHN, "/pledge N1 1000 USD")).text
    assert len(await bot.rows(Pledge)) == 1


async def test_the_gap_is_shown_in_three_languages(funded):
    bot = funded
    await bot.say(GROUP, ADMIN, "/language en,fr,ar")
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD")
    listing = (await bot.say(GROUP, JOHN, "/needs")).text
    assert "Funding gap: $250,000" in listing
    assert "Déficit de financement" in listing and "250\u202f000\xa0$US" in listing
    assert "فجوة التمويل" in listing and "250.000\xa0\u2066US$\u2069" in listing  # Lebanon: Babel's ar_LB digits
    await bot.say(NADIA, NADIA, "/start")
    private = await bot.say(NADIA, NADIA, "/needs")  # Nadia reads French (fr-CA)
    assert "450\u202f000\xa0$US" in private.text and "Funding gap" not in private.text


async def test_a_long_list_is_split_at_lines(coalition):
    bot = coalition
    title = "Clearance of the contaminated agricultural land around the villages of the southern district"
    for index in range(1, 41):
        await bot.say(GROUP, ADMIN, f"/need {title} {index} {index}000 USD priority low")
    seen = bot.snapshot()
    await bot.emu.send(GROUP, JOHN, "/needs")
    await bot.idle()
    await bot.next(GROUP, seen, contains="Total funding gap")
    parts = bot.replies(GROUP, seen)
    assert len(parts) >= 2 and all(len(p.text) <= 4096 for p in parts)
    text = "\n".join(p.text for p in parts)
    assert all(f"N{i} " in text for i in range(1, 41))


async def test_an_unpledged_high_priority_need_goes_on_the_agenda_30_days_before(funded):
    bot = funded
    await bot.say(GROUP, ADMIN, "/need Mapping 1000 USD priority low")
    await bot.say(GROUP, ADMIN, "/join national_authority LMAC")
    await bot.say(ADMIN, ADMIN, "/start")
    await bot.say(GROUP, ADMIN, "/meeting 2027-03-15 09:30 Spring meeting")
    await run_watchdogs(_context(bot))  # 63 days before: too early
    assert not [r for r in await bot.rows(Reminder) if r.kind == "need_agenda"]
    bot.clock.set(datetime(2027, 2, 13, 8, 0, tzinfo=UTC))  # 30 days before
    await run_watchdogs(_context(bot))
    await run_watchdogs(_context(bot))  # a second run plans nothing more
    assert len([r for r in await bot.rows(Reminder) if r.kind == "need_agenda"]) == 1
    (proposal,) = await bot.rows(Proposal)
    assert proposal.text == "N1: Technical survey of sector 4" and proposal.meeting_id is not None
    await _tick(bot)
    notice = await bot.emu.wait_for(lambda m: m.chat_id == ADMIN and "📋" in m.text)
    assert "N1" in notice.text and "Mapping" not in notice.text  # in Arabic: Rania reads Arabic
    await _tick(bot)
    assert len([m for m in bot.sent_to(ADMIN) if "📋" in m.text]) == 1
    agenda = await bot.say(GROUP, JOHN, "/agenda")
    assert "N1: Technical survey of sector 4" in agenda.text


async def test_a_pledged_need_stays_off_the_agenda(funded):
    bot = funded
    await bot.say(GROUP, JOHN, "/pledge N1 in-kind survey team")
    await bot.say(GROUP, ADMIN, "/meeting 2027-02-01 09:30 Winter meeting")
    await run_watchdogs(_context(bot))
    assert await bot.rows(Proposal) == []


async def test_a_pledge_not_disbursed_nudges_its_donor_three_times_at_most(funded):
    bot = funded
    await bot.say(JOHN, JOHN, "/start")
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD by 2027-03-31")
    nudges = sorted((r for r in await bot.rows(Reminder) if r.kind == "pledge_nudge"), key=lambda r: r.due_at)
    assert [r.due_at for r in nudges] == [
        datetime(2027, 4, 30, 6, 0, tzinfo=UTC),  # 09:00 in Beirut
        datetime(2027, 5, 30, 6, 0, tzinfo=UTC),
        datetime(2027, 6, 29, 6, 0, tzinfo=UTC),
    ]
    bot.clock.set(datetime(2027, 4, 30, 6, 0, 5, tzinfo=UTC))
    await _tick(bot)
    first = await bot.emu.wait_for(lambda m: m.chat_id == JOHN and "⏰" in m.text)
    assert "PL1" in first.text and "not disbursed" in first.text and "/pledge PL1 disbursed" in first.text
    assert not [m for m in bot.sent_to(SALIM) if "⏰" in m.text]
    await bot.say(GROUP, JOHN, "/pledge PL1 disbursed")
    bot.clock.set(datetime(2027, 7, 1, 6, 0, tzinfo=UTC))
    await _tick(bot)
    assert len([m for m in bot.sent_to(JOHN) if "⏰" in m.text]) == 1
    assert {r.state for r in await bot.rows(Reminder) if r.kind == "pledge_nudge"} == {"done", "dropped"}


async def test_nudges_survive_a_restart_and_downtime_sends_only_one(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await bot.say(GROUP, JOHN, "/join donor Embassy of Norway")
        await _confirm(bot, GROUP, "john")
        await bot.say(JOHN, JOHN, "/start")
        await bot.say(GROUP, ADMIN, SURVEY)
        await bot.say(GROUP, JOHN, "/pledge N1 200000 USD by 2027-03-31")
    clock.set(datetime(2027, 7, 1, 6, 0, tzinfo=UTC))  # down through all three nudges
    async with started_bot(emu, db_url, clock) as bot:
        await emu.wait_for(lambda m: m.chat_id == JOHN and "⏰" in m.text)
        await bot.dispatcher.tick()
        await bot.dispatcher.tick()
    assert len([m for m in emu.sent if m.chat_id == JOHN and "⏰" in m.text]) == 1


async def test_the_summary_gains_a_resource_mobilisation_section(funded):
    bot = funded
    await bot.say(GROUP, ADMIN, "/meeting 2027-01-12 09:00 Winter meeting")
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD")
    bot.clock.set(datetime(2027, 1, 12, 10, 0, tzinfo=UTC))
    summary = await bot.say(GROUP, ADMIN, "/summary", contains="Summary")
    assert "Resource mobilisation" in summary.text
    assert "New need:" in summary.text and "Technical survey of sector 4" in summary.text
    assert "New pledge to N1" in summary.text and "Embassy of Norway" in summary.text
    assert "Total funding gap: $250,000" in summary.text


async def test_the_export_has_needs_and_pledges(funded):
    bot = funded
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD by 2027-03-31 first tranche")
    await bot.say(GROUP, SALIM, "/pledge N1 150 000,50 EUR")
    await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 50000 USD")
    db = Database(bot.settings.database_url)
    async with db.transaction() as session:
        files = {f.name: f for f in await export_service.export(session, await by_chat(session, GROUP))}
    await db.dispose()
    read = {name: list(csv.DictReader(io.StringIO(f.content.decode("utf-8-sig")))) for name, f in files.items()}
    (need,) = read["needs.csv"]
    assert (need["need"], need["amount"], need["currency"], need["pledged"], need["committed"]) == (
        "N1", "450000", "USD", "200000", "200000",
    )  # fmt: skip
    assert (need["disbursed"], need["gap"], need["pledged_other_currencies"], need["priority"]) == (
        "50000", "250000", "150000.50 EUR", "high",
    )  # fmt: skip
    first, second = read["pledges.csv"]
    assert (first["pledge"], first["organisation"], first["state"], first["disbursed"], first["by"]) == (
        "PL1", "Embassy of Norway", "committed", "50000", "2027-03-31",
    )  # fmt: skip
    assert first["note"] == "first tranche" and first["committed_at"].startswith("2027-01-10T10:00")
    assert (second["organisation"], second["amount"], second["currency"]) == ("Auswärtiges Amt", "150000.50", "EUR")
