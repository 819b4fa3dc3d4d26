"""Issue 6 demo chapter (`bot.demo_progress.play`), played after the demo's meeting chapter."""

from __future__ import annotations

from bot import demo, demo_progress
from bot.cli import main


def test_the_progress_chapter_reports_two_months_and_shows_progress(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    meetings = demo._meetings

    async def meetings_then_progress(emu, application, clock, show, step):  # noqa: ANN001, ANN202
        await meetings(emu, application, clock, show, step)
        await demo_progress.play(show, emu, application, clock, step)

    monkeypatch.setattr(demo, "_meetings", meetings_then_progress)
    main(["demo"])
    transcript = capsys.readouterr().out
    chapter = transcript[transcript.index("Treaty deadline: the facilitator") :]
    assert "cleared cannot be negative" in chapter and "Progress report recorded: NPA" in chapter
    assert "✅ On track" in chapter and "على المسار الصحيح" in chapter and "En bonne voie" in chapter
    assert "[file reports.csv" in chapter and "Traceback" not in transcript
