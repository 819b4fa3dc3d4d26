"""Issue 6 end to end: `/progress`, its verdict arithmetic and its chart sent as a photo."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM, confirm

APRIL = datetime(2027, 4, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
async def reported(coalition):
    """Two months of reports; baseline 1,000,000 m²; Article 4 deadline 1 August 2028.

    Hand-computed: released 30,000 (Feb) + 203,000 + 50,000 (Mar) = 283,000 m² (28.3 %),
    remaining 717,000 m²; months left from April 2027 to 1 August 2028: 16; needed
    717,000 / 16 = 44,812.5 → 44,813 m²/month; achieved (283,000) / 2 months = 141,500.
    """
    bot = coalition
    bot.clock.set(APRIL)
    await bot.say(GROUP, SALIM, "/join operator HALO Trust")
    await confirm(bot, GROUP, "salim")
    await bot.say(GROUP, ADMIN, "/settings baseline 1,000,000")
    await bot.say(GROUP, ADMIN, "/deadline article4 2028-08-01")
    await bot.say(GROUP, NADIA, "/report period=2027-02 cleared=30000")
    await bot.say(GROUP, NADIA, "/report period=2027-03 cancelled=120000 reduced=45000 cleared=38000 cmr=212 "
                                "re_sessions=14 re_people=530")  # fmt: skip
    await bot.say(GROUP, SALIM, "/report period=2027-03 cleared=50000 submunitions=40")
    return bot


async def _progress(bot, chat_id: int, user: int, command: str = "/progress"):
    """The photo and the whole text the bot answered (caption plus any following message)."""
    seen = bot.snapshot()
    await bot.emu.send(chat_id, user, command)
    await bot.idle()
    photo = await bot.emu.wait_for(lambda m: m.chat_id == chat_id and (m.chat_id, m.message_id) not in seen
                                   and m.kind == "photo")  # fmt: skip
    await bot.idle()
    texts = [m.text for m in bot.replies(chat_id, seen) if m.kind == "text"]
    return photo, "\n".join([photo.caption or "", *texts]), texts


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


async def test_progress_shows_totals_rates_verdict_and_a_chart(reported):
    bot = reported
    photo, text, _ = await _progress(bot, GROUP, JOHN)
    assert _png_size(photo.file_data) == (960, 540)
    assert (photo.message["photo"][0]["width"], photo.message["photo"][0]["height"]) == (960, 540)
    assert "Progress of the Country Coalition of Lebanon" in text and "March 2027" in text
    assert "NPA — March 2027: 203,000 m² released; since the first report: 233,000 m²" in text
    assert "HALO Trust — March 2027: 50,000 m² released; since the first report: 50,000 m²" in text
    assert "All operators — March 2027: 253,000 m² released; since the first report: 283,000 m²" in text
    assert "submunitions destroyed: 40" in text
    assert "Area released: 283,000 of 1,000,000 m² (28%); remaining: 717,000 m²" in text
    assert "Months left to the Article 4 deadline (August 1, 2028): 16" in text
    assert "Monthly release needed: 44,813 m²\nMonthly release achieved over the last 2 months: 141,500 m²" in text
    assert "✅ On track" in text


async def test_a_slow_rate_is_at_risk(reported):
    bot = reported
    await bot.say(GROUP, ADMIN, "/settings baseline 5000000")
    _, text, _ = await _progress(bot, GROUP, JOHN)
    # 4,717,000 m² in 16 months = 294,812.5 a month needed; 141,500 achieved
    assert "Monthly release needed: 294,813 m²\nMonthly release achieved over the last 2 months: 141,500 m²" in text
    assert "⚠️ At risk" in text and "On track" not in text


async def test_an_earlier_period_is_shown_as_of_then(reported):
    bot = reported
    _, text, _ = await _progress(bot, GROUP, JOHN, "/progress 2027-02")
    assert "NPA — February 2027: 30,000 m² released" in text and "HALO Trust" not in text
    # 970,000 m² from March 2027 to August 2028: 17 months → 57,059 needed; 30,000 achieved
    assert "Months left to the Article 4 deadline (August 1, 2028): 17" in text
    assert "needed: 57,059 m²\nMonthly release achieved over the last month: 30,000 m²" in text
    assert "⚠️ At risk" in text


async def test_without_reports_baseline_or_deadline_the_view_says_what_is_missing(coalition):
    bot = coalition
    bot.clock.set(APRIL)
    nothing = await bot.say(GROUP, JOHN, "/progress")
    assert "No progress report has been filed yet" in nothing.text
    assert not [m for m in bot.sent_to(GROUP) if m.kind == "photo"]
    await bot.say(GROUP, NADIA, "/report period=2027-03 cleared=1000")
    missing_month = await bot.say(GROUP, JOHN, "/progress 2027-01")
    assert "No progress report for January 2027" in missing_month.text
    bad = await bot.say(GROUP, JOHN, "/progress soon")
    assert "soon" in bad.text and "YYYY-MM" in bad.text
    _, text, _ = await _progress(bot, GROUP, JOHN)
    assert "/settings baseline" in text and "/deadline article4" in text
    assert "On track" not in text and "At risk" not in text


async def test_a_short_text_is_the_caption_and_a_long_one_follows_the_photo(coalition):
    bot = coalition
    bot.clock.set(APRIL)
    await bot.say(GROUP, NADIA, "/report period=2027-03 cleared=1000")
    photo, _, texts = await _progress(bot, GROUP, JOHN)
    assert texts == [] and "NPA — March 2027: 1,000 m² released" in photo.caption  # one message
    await bot.say(GROUP, ADMIN, "/language ar,fr,en")
    photo, text, texts = await _progress(bot, GROUP, JOHN)
    assert texts and len(photo.caption) <= 1024  # three languages do not fit under a photo
    assert "Progress of the Country Coalition of Lebanon" in photo.caption and "NPA" not in photo.caption
    assert "NPA — March 2027" in text and "NPA — mars 2027" in text and "حصيلة \u2068NPA\u2069" in text


async def test_private_progress_covers_every_coalition_in_the_readers_language(reported):
    bot = reported
    await bot.say(NADIA, NADIA, "/start")
    photo, text, _ = await _progress(bot, NADIA, NADIA)
    assert photo.chat_id == NADIA and "mars 2027" in text and "NPA" in text
    assert "En bonne voie" in text


async def test_an_arabic_group_gets_arabic_text_and_chart(reported, tmp_path):
    bot = reported
    await bot.say(GROUP, ADMIN, "/language ar")
    photo, text, _ = await _progress(bot, GROUP, JOHN)
    assert "آذار 2027" in text and "على المسار الصحيح" in text  # Lebanon's month names
    assert _png_size(photo.file_data) == (960, 540)
    (tmp_path / "progress-ar.png").write_bytes(photo.file_data)
