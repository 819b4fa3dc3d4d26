"""Small inputs (security review #13, #14, #15, #18): each gets a clear error naming the
field, or works; never the generic apology, never a partial change."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.models import ActionPoint, Coalition, Meeting, ProgressReport, TreatyDeadline
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA

APOLOGY = "Sorry, something went wrong"


async def _coalition_row(bot) -> Coalition:
    (row,) = await bot.rows(Coalition)
    return row


async def test_arabic_indic_digits_work_in_dates_and_times(coalition):
    bot = coalition
    reply = await bot.say(GROUP, ADMIN, "/meeting ٢٠٢٧-٠٣-١٠ ٠٩:٣٠ اجتماع الربيع @ بيروت")
    assert "M1" in reply.text
    (meeting,) = await bot.rows(Meeting)
    assert meeting.starts_at == datetime(2027, 3, 10, 7, 30, tzinfo=UTC)  # 09:30 in Beirut (UTC+2)
    assert meeting.title == "اجتماع الربيع"
    await bot.say(GROUP, ADMIN, "/deadline article4 ٢٠٢٨-٠٨-٠١")
    (deadline,) = await bot.rows(TreatyDeadline)
    assert deadline.due_on == date(2028, 8, 1)
    await bot.say(GROUP, ADMIN, "/action @john ٢٠٢٧-٠٣-٣١ Send the survey")
    (point,) = await bot.rows(ActionPoint)
    assert point.due_on == date(2027, 3, 31) and point.text == "Send the survey"


async def test_a_baseline_is_a_bounded_whole_number(coalition):
    bot = coalition
    for value, shown in [("1.5", "1.5"), ("12,5", "12,5"), ("1" * 25, "1" * 25), ("²", "²")]:
        reply = await bot.say(GROUP, ADMIN, f"/settings baseline {value}")
        assert "baseline" in reply.text and shown in reply.text and APOLOGY not in reply.text, reply.text
        assert (await _coalition_row(bot)).baseline_m2 is None
    await bot.say(GROUP, ADMIN, "/settings baseline ١٢٠٠٠٠٠")
    assert (await _coalition_row(bot)).baseline_m2 == 1_200_000


async def test_digit_signs_that_are_not_digits_are_refused_naming_the_field(coalition):
    bot = coalition
    for value in ("²", "1²", "①"):
        reply = await bot.say(GROUP, NADIA, f"/report period=2026-12 cleared={value}")
        assert "cleared" in reply.text and APOLOGY not in reply.text, reply.text
    assert await bot.rows(ProgressReport) == []


async def test_a_meeting_in_year_9999_gets_a_clear_error(coalition):
    bot = coalition
    reply = await bot.say(GROUP, ADMIN, "/meeting 9999-12-31 20:00 Far away")
    assert "9999-12-31" in reply.text and "5" in reply.text and APOLOGY not in reply.text
    assert await bot.rows(Meeting) == []
    await bot.say(GROUP, ADMIN, "/meeting 2027-03-10 09:00 Spring")
    reply = await bot.say(GROUP, ADMIN, "/reschedule M1 9999-12-31 20:00")
    assert "9999-12-31" in reply.text and APOLOGY not in reply.text
    (meeting,) = await bot.rows(Meeting)
    assert meeting.starts_at.year == 2027


async def test_a_dollar_sign_in_the_country_does_not_break_the_chart(coalition):
    bot = coalition
    await bot.say(GROUP, ADMIN, "/setup Cost$\\x$Rica")
    assert (await _coalition_row(bot)).country == "Cost$\\x$Rica"
    await bot.say(GROUP, ADMIN, "/settings baseline 1000000")
    await bot.say(GROUP, NADIA, "/report period=2026-12 cleared=38000")
    seen = bot.snapshot()
    await bot.emu.send(GROUP, JOHN, "/progress")
    await bot.idle()
    photo = await bot.emu.wait_for(
        lambda m: m.chat_id == GROUP and (m.chat_id, m.message_id) not in seen and m.kind == "photo"
    )
    assert photo.file_data[:8] == b"\x89PNG\r\n\x1a\n"
    assert all(APOLOGY not in (m.text or "") for m in bot.replies(GROUP, seen))
