"""Issue 15 end to end: `found=` in reports, remaining contamination in `/progress`, `/article7`
(the workbook opened with openpyxl, missing months, the submission and later changes),
`/extension` with declared figures and `/deadline msp`, and the Article 7 and extension
reminders delivered by the reminder engine (also after downtime)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from bot.models import Article7Submission, Reminder
from jobs.watchdogs import run_watchdogs
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, confirm, started_bot

LAYLA = 1005  # the national authority, reads English
JANUARY = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


def _context(bot):
    return type("Ctx", (), {"runtime": bot.app.bot_data["runtime"]})()


async def _authority(bot) -> None:
    bot.emu.add_user(LAYLA, "Layla", username="layla", language_code="en")
    await bot.say(LAYLA, LAYLA, "/start")
    await bot.say(GROUP, LAYLA, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @layla")


@pytest.fixture
async def year(coalition):
    """2026 reported by NPA (Nadia, reads French) and HALO Trust (Salim), by hand:

    NPA: every month but March and July, cleared 10,000 and cancelled 2,000 a month, found
    1,500 in even months (5 of them: Feb, Apr, Jun, Aug, Oct, Dec → 6), CMR 3, RE 2 sessions and
    50 people; HALO Trust from May, no report in September: cleared 20,000, reduced 4,000,
    submunitions 100. Baseline 2,000,000 m² at the start of January 2026.
    """
    bot = coalition
    await _authority(bot)
    await bot.say(GROUP, SALIM, "/join operator HALO Trust")
    await confirm(bot, GROUP, "salim")
    await bot.say(GROUP, LAYLA, "/settings baseline 2,000,000 2026-01")
    for m in range(1, 13):
        if m not in (3, 7):
            found = " found=1500" if m % 2 == 0 else ""
            await bot.say(GROUP, NADIA, f"/report period=2026-{m:02d} cancelled=2000 cleared=10000 cmr=3 "
                                        f"re_sessions=2 re_people=50{found}")  # fmt: skip
        if m >= 5 and m != 9:
            await bot.say(GROUP, SALIM, f"/report period=2026-{m:02d} reduced=4000 cleared=20000 submunitions=100")
    return bot


NPA = {"months": 10, "cancelled": 20000, "cleared": 100000, "found": 9000, "cmr": 30, "sessions": 20, "people": 500}
HALO = {"months": 7, "reduced": 28000, "cleared": 140000, "submunitions": 700}
RELEASED = NPA["cancelled"] + NPA["cleared"] + HALO["reduced"] + HALO["cleared"]  # 288,000
REMAINING = 2_000_000 + NPA["found"] - RELEASED  # 1,721,000


@pytest.fixture
async def funded(year):
    """The 2026 needs register on top of `year`, typed in chat at the dates it happened:

    June 2026: N1 survey 450,000 USD (high), N2 victim assistance 120,000 EUR; Norway (John)
    pledges 200,000 USD to N1 (PL1) and two machines in kind (PL2), then 10,000 USD (PL3),
    withdrawn; the administrator records 50,000 EUR from Auswärtiges Amt for N2 (PL4).
    November 2026: tranches of 75,000 USD (PL1) and 20,000.50 EUR (PL4).
    January 2027 (not in 2026): N3 30,000 USD and a tranche of 25,000 USD on PL1.
    """
    bot = year  # John's organisation was confirmed with the coalition (SPEC §3)
    bot.clock.set(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
    await bot.say(GROUP, ADMIN, "/need Technical survey of sector 4 450000 USD by 2027-06 priority high")
    await bot.say(GROUP, ADMIN, "/need Victim assistance centre 120000 EUR priority medium")
    await bot.say(GROUP, JOHN, "/pledge N1 200000 USD by 2027-03-31")
    await bot.say(GROUP, JOHN, "/pledge N1 in-kind two mechanical demining machines")
    await bot.say(GROUP, JOHN, "/pledge N1 10000 USD")
    await bot.say(GROUP, JOHN, "/pledge PL3 withdrawn plans changed")
    await bot.say(GROUP, ADMIN, '/pledge N2 50000 EUR org="Auswärtiges Amt" by 2027-03-31')
    bot.clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 75000 USD")
    await bot.say(GROUP, ADMIN, "/pledge PL4 disbursed 20000.50 EUR")
    bot.clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    await bot.say(GROUP, ADMIN, "/need Risk education materials 30000 USD")
    await bot.say(GROUP, JOHN, "/pledge PL1 disbursed 25000 USD")
    bot.clock.set(JANUARY)
    return bot


def _form_i(book, sheet: str) -> dict[str, list[list]]:
    """Form I's sections by title, each as its rows of values (heading row first)."""
    sections: dict[str, list[list]] = {}
    current = None
    for row in book[sheet].iter_rows(min_row=5, values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        if not values:
            current = None
        elif current is None:
            current = sections.setdefault(values[0], [])
        else:
            current.append(values)
    return sections


async def test_form_i_lists_the_years_needs_pledges_and_disbursements_per_currency(funded):
    bot = funded
    replies = await _article7(bot, LAYLA, "/article7 2026")
    (document,) = [m for m in replies if m.kind == "document"]
    book = openpyxl.load_workbook(io.BytesIO(document.file_data))
    assert book.sheetnames == ["Form F", "Form B", "Form G", "Form I"]
    assert book["Form I"]["A1"].value == "Form I: International cooperation and assistance"
    sections = _form_i(book, "Form I")
    totals = sections["Totals of 2026 per currency (no exchange rate applied)"]
    assert totals == [
        ["Currency", "Needs registered", "Pledged (not withdrawn)", "Disbursed",
         "Funding gap of the open needs on January 10, 2027"],
        ["EUR", 120000, 50000, 20000.5, 70000],
        ["USD", 450000, 200000, 75000, 250000 + 30000],
        ["Pledges in kind (not withdrawn)", 1],
    ]  # fmt: skip
    assert book["Form I"]["D7"].number_format == "#,##0.00"
    needs = sections["Needs registered in 2026"]
    assert needs[0] == ["Need", "Title", "Priority", "Amount", "Currency", "Needed by", "Status"]
    assert needs[1:] == [
        ["N1", "Technical survey of sector 4", "high", 450000, "USD", "2027-06", "open"],
        ["N2", "Victim assistance centre", "medium", 120000, "EUR", None, "open"],
    ]
    pledges = sections["Pledges made in 2026 (withdrawn ones are not counted in the totals)"]
    assert [row[:7] for row in pledges[1:]] == [
        ["PL1", "N1", "Embassy of Norway", 200000, "USD", None, "committed"],
        ["PL2", "N1", "Embassy of Norway", None, None, "two mechanical demining machines", "pledged"],
        ["PL3", "N1", "Embassy of Norway", 10000, "USD", None, "withdrawn"],
        ["PL4", "N2", "Auswärtiges Amt", 50000, "EUR", None, "committed"],
    ]
    assert pledges[1][7] == datetime(2027, 3, 31)  # a date cell
    paid = sections["Disbursements in 2026"]
    assert paid[1:] == [
        [datetime(2026, 11, 20), "PL1", "N1", "Embassy of Norway", 75000, "USD"],
        [datetime(2026, 11, 20), "PL4", "N2", "Auswärtiges Amt", 20000.5, "EUR"],
    ]
    (message,) = [m for m in replies if m.kind == "text"]
    assert (
        "International cooperation (Form I): needs registered €120,000 and $450,000 · pledged €50,000 and "
        "$200,000 · disbursed €20,000.50 and $75,000 · 1 pledge in kind"
    ) in message.text.replace("\u2068", "").replace("\u2069", "")
    # a pledge corrected after the submission shows as submitted beside now
    await bot.say(LAYLA, LAYLA, "/article7 2026 submitted")
    await bot.say(GROUP, JOHN, "/pledge PL1 amount 180000 USD")
    text = "\n".join(m.text for m in await _article7(bot, LAYLA, "/article7 2026") if m.kind == "text")
    plain = text.replace("\u2068", "").replace("\u2069", "")
    assert "• pledged in the year (Form I): submitted $200,000, now $180,000" in plain
    assert "area cleared" not in plain  # the reports did not change


async def test_form_i_in_arabic_and_french(funded):
    bot = funded
    await bot.say(LAYLA, LAYLA, "/language ar")
    replies = await _article7(bot, LAYLA, "/article7 2026")
    (document,) = [m for m in replies if m.kind == "document"]
    book = openpyxl.load_workbook(io.BytesIO(document.file_data))
    assert book.sheetnames[-1] == "الاستمارة I"
    sheet = book["الاستمارة I"]
    assert sheet.sheet_view.rightToLeft is True
    sections = _form_i(book, "الاستمارة I")
    totals = next(rows for title, rows in sections.items() if "2026" in title and "العملة" in rows[0])
    assert totals[1:3] == [["EUR", 120000, 50000, 20000.5, 70000], ["USD", 450000, 200000, 75000, 280000]]
    pledges = next(rows for title, rows in sections.items() if "PL1" in [r[0] for r in rows])
    assert pledges[0][2] == "الجهة المانحة" and pledges[1][2] == "Embassy of Norway"
    assert pledges[4][:5] == ["PL4", "N2", "Auswärtiges Amt", 50000, "EUR"]
    assert all("\u2068" not in str(v) for rows in sections.values() for row in rows for v in row)
    (message,) = [m for m in replies if m.kind == "text"]
    assert "التعاون الدولي (الاستمارة I)" in message.text
    await bot.say(LAYLA, LAYLA, "/language fr")
    french = next(m for m in await _article7(bot, LAYLA, "/article7 2026") if m.kind == "text").text
    assert "Coopération internationale (formulaire\u00a0I)\u00a0:" in french


async def test_progress_counts_remaining_from_the_baseline_month_with_found(year):
    bot = year
    seen = bot.snapshot()
    await bot.emu.send(GROUP, JOHN, "/progress")
    await bot.idle()
    await bot.emu.wait_for(lambda m: m.chat_id == GROUP and m.kind == "photo" and (m.chat_id, m.message_id) not in seen)
    await bot.idle()
    text = "\n".join((m.caption or m.text or "") for m in bot.replies(GROUP, seen))
    assert "Baseline 2,000,000 + newly identified 9,000 − released 288,000 = remaining 1,721,000 m²" in text
    assert "Counted from January 2026, the baseline month." in text
    settings = await bot.say(GROUP, LAYLA, "/settings")
    assert "Baseline month: January 2026" in settings.text


async def _article7(bot, user: int, command: str):
    seen = bot.snapshot()
    await bot.emu.send(user, user, command)
    await bot.idle()
    return bot.replies(user, seen)


async def test_article7_sends_a_workbook_with_numbers_and_flags_missing_months(year):
    bot = year
    replies = await _article7(bot, LAYLA, "/article7 2026")
    (document,) = [m for m in replies if m.kind == "document"]
    assert document.file_name == "article7-lebanon-2026.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(document.file_data))
    assert book.sheetnames == ["Form F", "Form B", "Form G", "Form I"]
    land = book["Form F"]
    assert "Article 7" in land["A3"].value and "Clearance" in land["A1"].value
    header = [c.value for c in land[5]]
    assert header[:4] == ["Operator", "Area cancelled by non-technical survey (m²)",
                          "Area reduced by technical survey (m²)", "Area cleared (m²)"]  # fmt: skip
    rows = {r[0].value: [c.value for c in r[1:]] for r in land.iter_rows(min_row=6) if r[0].value}
    assert rows["HALO Trust"][:6] == [0, 28000, 140000, 168000, 0, 0]
    assert rows["NPA"][:6] == [20000, 0, 100000, 120000, 9000, 30]
    assert rows["NPA"][6] == "March 2026 and July 2026" and rows["HALO Trust"][6] == "September 2026"
    assert rows["Total"][:6] == [20000, 28000, 240000, RELEASED, 9000, 30]
    assert all(isinstance(v, int) for v in rows["Total"][:6])  # numbers, not text
    assert rows["Remaining contamination on 31 December 2026 (m², all operators)"][0] == REMAINING
    stock = {r[0].value: r[1].value for r in book["Form B"].iter_rows(min_row=6) if r[0].value}
    assert stock == {"HALO Trust": 700, "NPA": 0, "Total": 700}
    education = {r[0].value: (r[1].value, r[2].value) for r in book["Form G"].iter_rows(min_row=6) if r[0].value}
    assert education["Total"] == (20, 500)
    (message,) = [m for m in replies if m.kind == "text"]
    assert "Remaining contamination on 31 December 2026: 1,721,000 m²" in message.text
    assert "NPA: March 2026 and July 2026" in message.text and "HALO Trust: September 2026" in message.text
    assert "/article7 2026 submitted" in message.text
    assert "International cooperation (Form I): no need, pledge or disbursement recorded in 2026" in message.text


async def test_article7_refusals_and_a_year_without_reports(year):
    bot = year
    await bot.say(NADIA, NADIA, "/start")
    refused = await bot.say(NADIA, NADIA, "/article7 2026")
    assert "gestionnaires" in refused.text or "managers" in refused.text
    group = await bot.say(GROUP, LAYLA, "/article7 2026")
    assert "private chat" in group.text
    empty = await bot.say(LAYLA, LAYLA, "/article7 2024")
    assert "No progress report for 2024" in empty.text
    bad = await bot.say(LAYLA, LAYLA, "/article7 2030")
    assert "2030" in bad.text and "reporting year" in bad.text
    usage = await bot.say(LAYLA, LAYLA, "/article7 2026 sent")
    assert "/article7 YYYY submitted" in usage.text
    assert [d for d in bot.emu.sent if d.kind == "document"] == []


async def test_a_report_after_submission_is_accepted_and_flagged(year):
    bot = year
    submitted = await bot.say(LAYLA, LAYLA, "/article7 2026 submitted")
    assert "recorded as submitted" in submitted.text
    (row,) = await bot.rows(Article7Submission)
    assert row.year == 2026
    seen = bot.snapshot()
    await bot.emu.send(GROUP, SALIM, "/report period=2026-09 cleared=15000")
    await bot.idle()
    replies = [m.text for m in bot.replies(GROUP, seen)]
    assert any("recorded" in t for t in replies) and any("already submitted" in t for t in replies)
    await bot.dispatcher.tick()
    await bot.idle()
    notice = [m for m in bot.sent_to(LAYLA) if "HALO Trust" in m.text and "changes the figures" in m.text]
    assert len(notice) == 1
    text = "\n".join(m.text for m in await _article7(bot, LAYLA, "/article7 2026") if m.kind == "text")
    assert "submitted beside now" in text
    assert f"all operators, area cleared (m²): submitted 240,000, now {240000 + 15000:,}" in text
    assert f"remaining contamination on 31 December (m²): submitted {REMAINING:,}, now {REMAINING - 15000:,}" in text


async def test_extension_figures_with_declared_values_and_the_msp(year):
    bot = year
    refused = await bot.say(GROUP, JOHN, "/extension")
    assert "managers" in refused.text
    bare = await bot.say(GROUP, LAYLA, "/extension")
    assert "Meeting of States Parties not set" in bare.text and "Article 4 deadline not set" in bare.text
    assert "not declared (/settings eif" in bare.text
    await bot.say(GROUP, LAYLA, "/deadline article4 2027-08-01")
    msp = await bot.say(GROUP, LAYLA, "/deadline msp 2027-11-20")
    assert "must be submitted by February 20, 2027" in msp.text
    assert "January 21, 2027" in msp.text and "February 13, 2027" in msp.text
    await bot.say(GROUP, LAYLA, "/settings eif 3,500,000 2011-03-01")
    await bot.say(GROUP, LAYLA, "/settings released_before 900000")
    text = (await bot.say(GROUP, LAYLA, "/extension")).text
    assert "Baseline: 2,000,000 m² at the start of January 2026" in text
    assert "Newly identified since then: 9,000 m²" in text
    assert "Released since then: 288,000 m² (cancelled 20,000 · reduced 28,000 · cleared 240,000)" in text
    assert f"Remaining contamination: {REMAINING:,} m²" in text
    # one complete year with a report (2026): 288,000 a year; 1,721,000 / 288,000 = 5.98 → 6.0 years
    assert "Average annual release over 1 complete year (2026): 288,000 m²" in text
    assert "NPA, 2026: March 2026 and July 2026" in text
    assert "Years needed at that rate: 6, completion around January 2033" in text
    assert "5.4 years after the deadline" in text
    assert "more than five years" in text and "cannot cover it" in text
    assert "the request must be submitted by February 20, 2027" in text
    assert "Contaminated area at entry into force (March 1, 2011): 3,500,000 m²" in text
    assert "Released before the baseline month: 900,000 m²" in text
    assert f"Released since entry into force (declared + reports): {900000 + RELEASED:,} m²" in text
    assert "Declared, not from reports:" in text


async def test_article7_reminders_from_1_march_until_submitted(year):
    bot = year
    bot.clock.set(datetime(2027, 3, 1, 6, 59, tzinfo=UTC))  # 08:59 in Beirut
    await run_watchdogs(_context(bot))
    bot.clock.set(datetime(2027, 3, 1, 7, 0, 1, tzinfo=UTC))
    await bot.dispatcher.tick()
    first = [m for m in bot.sent_to(LAYLA) if "Article 7 report for 2026" in m.text and "📝" in m.text]
    assert len(first) == 1 and "April 30, 2027" in first[0].text
    assert [m for m in bot.sent_to(JOHN) if "Article 7" in m.text] == []
    await run_watchdogs(_context(bot))  # plans Monday 8 March
    keys = sorted(r.key.rsplit(":", 1)[1] for r in await bot.rows(Reminder) if r.kind == "article7")
    assert keys == ["2027-03-01", "2027-03-08"]
    await bot.say(LAYLA, LAYLA, "/article7 2026 submitted")
    bot.clock.set(datetime(2027, 3, 8, 7, 0, 1, tzinfo=UTC))
    await run_watchdogs(_context(bot))
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(LAYLA) if "📝" in m.text]) == 1
    states = sorted((r.key[-10:], r.state) for r in await bot.rows(Reminder) if r.kind == "article7")
    assert states == [("2027-03-01", "done"), ("2027-03-08", "dropped")]


async def test_an_overdue_notice_missed_while_down_is_sent_once_to_authority_and_managers(emu, db_url, clock):
    async with started_bot(emu, db_url, clock) as bot:
        await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await _authority(bot)
        emu.add_user(1006, "Farid", username="farid", language_code="en")
        await bot.say(1006, 1006, "/start")
        await bot.say(GROUP, 1006, "/join secretariat UNDP")
        await bot.say(GROUP, ADMIN, "/approve @farid")
        await bot.say(GROUP, NADIA, "/join operator NPA")
        await confirm(bot, GROUP, "nadia")
        await bot.say(GROUP, NADIA, "/report period=2026-05 cleared=1000")
        await run_watchdogs(_context(bot))  # plans 1 March
    clock.set(datetime(2027, 6, 2, 12, 0, tzinfo=UTC))  # down since January: 1 March … 29 May all missed
    async with started_bot(emu, db_url, clock) as bot:
        await run_watchdogs(_context(bot))
        await emu.wait_for(lambda m: m.chat_id == 1006 and "⚠️" in m.text and "Article 7" in m.text)
        await bot.dispatcher.tick()
        await run_watchdogs(_context(bot))  # the next one is planned ahead, not now
        await bot.dispatcher.tick()
    for person in (LAYLA, 1006):
        notices = [m for m in emu.sent if m.chat_id == person and "Article 7 report for 2026" in m.text]
        assert len(notices) == 1 and "was due on April 30, 2027" in notices[0].text
    rows = await _rows(db_url)
    # the March reminder left once, as an overdue notice; the next is the first slot after it left
    assert [(r.key[-10:], r.state) for r in rows] == [("2027-03-01", "done"), ("2027-06-12", "pending")]


async def _rows(db_url):
    from sqlmodel import select

    from bot.store.database import Database

    db = Database(db_url)
    async with db.transaction() as s:
        rows = list(await s.exec(select(Reminder).where(Reminder.kind == "article7").order_by(Reminder.due_at)))
    await db.dispose()
    return rows


async def test_extension_reminders_go_to_the_authority_and_managers_once(year):
    bot = year
    await bot.say(GROUP, LAYLA, "/deadline msp 2027-11-20")  # submission due 20 February 2027
    bot.clock.set(datetime(2027, 2, 14, 12, 0, tzinfo=UTC))  # 30 and 7 days before both passed
    await bot.dispatcher.tick()
    await bot.idle()
    alerts = [m for m in bot.sent_to(LAYLA) if "extension request" in m.text and "⏳" in m.text]
    assert len(alerts) == 1 and "February 20, 2027" in alerts[0].text and "November 20, 2027" in alerts[0].text
    states = sorted((r.label, r.state) for r in await bot.rows(Reminder) if r.kind == "extension_due")
    assert states == [("30d", "dropped"), ("7d", "done")]
    bot.clock.advance(timedelta(days=1))
    await bot.dispatcher.tick()
    assert len([m for m in bot.sent_to(LAYLA) if "extension request" in m.text and "⏳" in m.text]) == 1


async def test_the_workbook_and_message_in_arabic_and_french(year):
    bot = year
    await bot.say(LAYLA, LAYLA, "/language ar")
    replies = await _article7(bot, LAYLA, "/article7 2026")
    (document,) = [m for m in replies if m.kind == "document"]
    book = openpyxl.load_workbook(io.BytesIO(document.file_data))
    assert book.sheetnames == ["الاستمارة F", "الاستمارة B", "الاستمارة G", "الاستمارة I"]
    land = book["الاستمارة F"]
    assert land.sheet_view.rightToLeft is True
    assert land["A5"].value == "الجهة المنفذة" and "\u2068" not in str(land["A2"].value)
    assert "لبنان" in land["A2"].value  # the country as the reader names it, not as typed at /setup
    totals = {r[0].value: r[4].value for r in land.iter_rows(min_row=6) if r[0].value}
    assert totals["المجموع"] == RELEASED
    (message,) = [m for m in replies if m.kind == "text"]
    assert message.text.startswith("📄 تقرير الشفافية (المادة 7)")
    await bot.say(LAYLA, LAYLA, "/language fr")
    french = next(m for m in await _article7(bot, LAYLA, "/article7 2026") if m.kind == "text").text
    assert "Contamination restante au 31\u00a0décembre 2026\u00a0: 1\u202f721\u202f000\u00a0m²" in french
    assert "NPA\u00a0: mars 2026 et juillet 2026" in french
    assert french.split("\n")[0].endswith("de la coalition nationale (Liban)")  # not "(Lebanon)" as typed


async def test_a_manager_of_two_coalitions_chooses_one_with_a_button(year):
    bot = year
    bot.emu.add_group(-1002, "Jordan Coalition", admins=[ADMIN], creator=ADMIN)
    seen = bot.snapshot()
    await bot.emu.add_bot_to_group(-1002, ADMIN)
    await bot.next(-1002, seen)
    await bot.say(-1002, ADMIN, "/setup Jordan Asia/Amman en")
    await bot.say(-1002, LAYLA, "/join national_authority NCDR")
    await bot.say(-1002, ADMIN, "/approve @layla")
    question = await bot.say(LAYLA, LAYLA, "/article7 2026 submitted")
    assert sorted(b["text"] for b in question.buttons()) == ["Jordan", "Lebanon"]
    jordan = next(b for b in question.buttons() if b["text"] == "Jordan")
    seen = bot.snapshot()
    await bot.press(question, LAYLA, jordan["callback_data"])
    (empty,) = bot.replies(LAYLA, seen)
    assert "No progress report for 2026 in the Country Coalition of Jordan" in empty.text
    assert await bot.rows(Article7Submission) == []
    lebanon = next(b for b in question.buttons() if b["text"] == "Lebanon")
    seen = bot.snapshot()
    await bot.press(question, LAYLA, lebanon["callback_data"])
    assert "recorded as submitted" in bot.replies(LAYLA, seen)[0].text
    assert [s.year for s in await bot.rows(Article7Submission)] == [2026]
    forged = await bot.press(question, NADIA, lebanon["callback_data"])
    assert forged.get("text") and [s.year for s in await bot.rows(Article7Submission)] == [2026]
