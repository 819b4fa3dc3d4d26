"""The CLI as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from bidi import get_base_level

from bot.cli import main


def test_run_without_a_token_says_what_to_set_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_db_upgrade_creates_the_schema(tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    main(["db", "upgrade"])
    tables = {row[0] for row in sqlite3.connect(tmp_path / "x.db").execute("select name from sqlite_master")}
    assert {"coalition", "person", "membership", "meeting", "reminder", "delivery", "alembic_version"} <= tables


def test_demo_prints_a_conversation_in_three_languages(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    main(["demo"])
    transcript = capsys.readouterr().out
    assert "/setup Lebanon Asia/Beirut ar" in transcript
    assert "réunion" in transcript.lower() and "Reminder" in transcript
    assert re.search(r"تذكير", transcript)
    assert "Traceback" not in transcript
    chapters = re.findall(r"^(\d+)\. ", transcript, re.M)
    assert chapters == [str(n) for n in range(1, len(chapters) + 1)] and len(chapters) >= 16
    progress = transcript[transcript.index("Treaty deadline: the facilitator") :]
    assert "cleared cannot be negative" in progress and "Progress report recorded: NPA" in progress
    assert "✅ On track" in progress and "على المسار الصحيح" in progress and "En bonne voie" in progress
    assert "[file reports.csv" in progress
    alert = transcript[transcript.index("a year before the deadline") :]
    assert "clearance (Article 4): August 1, 2028, in 12 months" in alert and "dans 12 mois" in alert
    treaty = transcript[transcript.index("Treaty reporting: a year of monthly reports") :]
    assert "[file article7-lebanon-2026.xlsx" in treaty and "• NPA\u00a0: juillet 2026" in treaty
    assert "changes the figures" in treaty or "modifie les chiffres" in treaty
    assert "Declared, not from reports:" in treaty and "must be submitted by February 20, 2028" in treaty
    _reads_as_written(transcript)


def _reads_as_written(transcript: str) -> None:
    """Issue 13 on the demo as its readers see it: no offset codes, no Latin commas in Arabic
    prose, and no Arabic-only buttons in the mixed-language group."""
    bot_lines, in_group = [], False
    for line in transcript.splitlines():
        if line.startswith("▶") or " INFO " in line or " WARNING " in line:
            in_group = False
            continue  # what people type and the log are not the bot's writing
        if "◀" in line:
            in_group = "in the group" in line
            continue
        bot_lines.append((line, in_group))
    assert not [line for line, _ in bot_lines if re.search(r"\b14d\b", line) and "reminders 14d,7d,1d" not in line]
    isolated = re.compile("[\u2066\u2068][^\u2069]*\u2069")  # user text and syntax, set apart
    # a poll question is written in every group language, joined by " / "
    segments = [part for line, _ in bot_lines for part in line.split(" / ") if part.strip()]
    arabic_prose = [isolated.sub("", part) for part in segments if get_base_level(part) == 1]
    assert not [line for line in arabic_prose if re.search(r"[,;?](?=\s|$)", line.split("https://")[0])]
    rows = [
        line
        for (line, group), (before, _) in zip(bot_lines[1:], bot_lines, strict=False)
        if group and line.strip().startswith("[") and not before.rstrip().endswith("?")  # a poll's options
    ]
    buttons = [label for line in rows for label in re.findall(r"\[([^\]]+)\]", line)]
    assert buttons
    arabic_only = [b for b in buttons if re.search("[\u0600-\u06ff]", b) and " · " not in b and b[0].isalpha()]
    assert not [b for b in arabic_only if not b.startswith(("AP", "✓"))], arabic_only
