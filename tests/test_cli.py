"""The CLI as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from bidi import get_base_level

from bot import __version__
from bot.cli import ENVIRONMENT, main
from bot.config import PROJECT_ROOT, env_example


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


def _cli(*args: str, cwd, **env: str) -> subprocess.CompletedProcess:
    """`coalition-bot ARGS` from this checkout, as a user runs it, with the given environment."""
    base = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "LOG_LEVEL"}}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=base | env, capture_output=True, text=True, timeout=120
    )


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_version(tmp_path):
    result = _cli("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"coalition-bot {__version__}"


@pytest.mark.parametrize("command", ["run", "webhook", "demo", "db", "export"])
def test_each_commands_help_lists_the_environment_variables_it_reads(tmp_path, command):
    result = _cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in ENVIRONMENT[command]:
        assert f"\n  {name.upper()}" in result.stdout
    assert "SPEC" not in result.stdout and "§" not in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PORT", "eighty", "PORT: "),
        ("PORT", "70000", "PORT: "),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL: not a logging level"),
        ("DATABASE_URL", "mysql://root:hunter2@db/coalition", "DATABASE_URL: mysql is not supported"),
        ("DATABASE_URL", "coalition.db", "DATABASE_URL: not a database URL"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(tmp_path, variable, value, expected):
    result = _cli("webhook", cwd=tmp_path, **{variable: value})
    assert result.returncode == 2
    line = _one_line(result)
    assert line.startswith(f"coalition-bot: {expected}") and "hunter2" not in line


def test_missing_catalogs_are_one_line_and_exit_2_before_the_database_is_touched(tmp_path):
    result = _cli("run", cwd=tmp_path, TELEGRAM_BOT_TOKEN="1:x", LOCALES_DIR=str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "catalog" in _one_line(result) and not (tmp_path / "coalition.db").exists()


def test_an_unreachable_database_is_retried_then_one_line_and_exit_1(tmp_path):
    url = "postgresql://coalition:hunter2@127.0.0.1:1/coalition"  # nothing listens on port 1
    result = _cli("db", "upgrade", cwd=tmp_path, DATABASE_URL=url, DATABASE_WAIT_SECONDS="2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    *retries, last = result.stderr.strip().splitlines()
    assert retries and all("WARNING" in line and "retrying" in line for line in retries)
    assert last.startswith("coalition-bot: the database postgresql+asyncpg://coalition:***@127.0.0.1:1/coalition")
    assert "hunter2" not in result.stderr


def test_export_before_db_upgrade_is_one_line_and_leaves_no_database_behind(tmp_path):
    result = _cli("export", "--chat", "-1001", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "coalition-bot db upgrade" in _one_line(result)
    assert not (tmp_path / "coalition.db").exists()


def test_export_into_an_existing_file_or_an_unwritable_place_is_one_line(tmp_path):
    (tmp_path / "taken").write_text("mine")
    result = _cli("export", "--chat", "-1001", "--out", "taken", cwd=tmp_path)
    assert result.returncode == 2 and "taken exists and is not a directory" in _one_line(result)
    assert (tmp_path / "taken").read_text() == "mine"
    result = _cli("export", "--chat", "-1001", "--out", "/proc/coalition-export", cwd=tmp_path)
    assert result.returncode == 2 and "cannot write into /proc/coalition-export" in _one_line(result)


def test_the_demo_prints_only_the_conversation_and_writes_its_chart(tmp_path):
    result = _cli("demo", "--out", "charts", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert " INFO " not in result.stdout and " WARNING " not in result.stdout
    assert "[chart: the area released month by month" in result.stdout
    charts = sorted((tmp_path / "charts").iterdir())
    assert charts and all(chart.read_bytes().startswith(b"\x89PNG") for chart in charts)
    assert "the bot's message 4" not in result.stdout and not re.search(r"message \d+\)", result.stdout)
    digest = result.stdout[result.stdout.index("the overdue digest") :]
    digest = digest[: digest.index("Mid-term update")]
    assert "/update AP1" in digest and "AP3" not in digest
    assert result.stdout.rstrip().splitlines()[-1].startswith("That was ")


def test_env_example_is_generated_from_the_settings():
    """Regenerate with `python -m bot.config > .env.example` when a setting changes."""
    assert (PROJECT_ROOT / ".env.example").read_text() == env_example()


def test_the_suite_refuses_a_postgresql_database_not_named_for_tests(tmp_path):
    env = {**os.environ, "TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/coalition"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cli.py", "-k", "version"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4  # pytest's usage error: nothing ran, nothing was dropped
    assert "only against a database whose name contains 'test'" in result.stdout + result.stderr
