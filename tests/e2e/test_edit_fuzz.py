"""Property-based (Hypothesis): editing a command never runs anything (SPEC §3 "Edits").

The real bot runs on its own loop (as in `test_fuzz`); a manager and an operator send random
commands, then edit them into random other text (the same text too, since Telegram also
sends edits that change nothing). After each edit the whole database is as it was before it,
apart from the records of updates and edit notices, and the bot answered at most once: a
reply to the edited message.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ADMIN, GROUP, NADIA, dump_database
from tests.e2e.test_fuzz import BotThread

BOOKKEEPING = {"processed_update", "edit_notice", "outbox_message", "delivery", "worker"}
"""Rows the bot keeps about its own work: sent durable messages are deleted, deliveries recorded,
in their own commits after the replies have left, the process's heartbeat renewed; what a command
changes shows elsewhere."""
DAY = st.integers(1, 28).map(lambda d: f"{d:02d}")
MONTH = st.integers(2, 12).map(lambda m: f"{m:02d}")
TIME = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=20).map(str.strip).filter(bool)
AMOUNT = st.integers(0, 10**6).map(str)
MANAGER = st.one_of(
    st.builds(lambda m, d, t, w: f"/meeting 2027-{m}-{d} {t} {w}", MONTH, DAY, TIME, WORD),
    st.builds(lambda w: f"/action @nadia {w}", WORD),
    st.builds(lambda w: f"/note {w}", WORD),
    st.builds(lambda w: f"/propose {w}", WORD),
    st.builds(lambda w, a, b: f"/poll {w}? | {a} | {b}x", WORD, WORD, WORD),
    st.builds(lambda a: f"/settings baseline {a}", AMOUNT),
    st.builds(lambda m, d: f"/deadline article4 2029-{m}-{d}", MONTH, DAY),
    st.builds(lambda m, d, t: f"/reschedule M1 2027-{m}-{d} {t}", MONTH, DAY, TIME),
    st.just("/meeting"),
    st.just("/summary"),
)
OPERATOR = st.one_of(
    st.builds(lambda m, a: f"/report period=2026-{m} cleared={a}", MONTH, AMOUNT),
    st.builds(lambda p, w: f"/update AP1 progress {p}% {w}", st.integers(0, 100), WORD),
    st.builds(lambda w: f"/propose {w}", WORD),
)


@pytest.fixture(scope="module")
def edit_bot(tmp_path_factory):
    bot = BotThread(tmp_path_factory.mktemp("edits"))
    for user, text in [(ADMIN, "/action @nadia First action point")]:
        bot.run(bot.emu.send(GROUP, user, text))
        bot.run(bot.idle())
    yield bot
    bot.stop()


SCHEDULE = {"key", "kind", "meeting_id", "subject_id", "due_at", "label"}
"""What a command decides about a reminder; the running dispatcher's own bookkeeping (state,
claim, lease, notes) may move between two snapshots without any command having run."""


def _state(bot: BotThread) -> dict:
    dump = bot.run(dump_database(bot.url))
    state = {table: rows for table, rows in dump.items() if table not in BOOKKEEPING}
    if "reminder" in state:
        state["reminder"] = {tuple(pair for pair in row if pair[0] in SCHEDULE) for row in state["reminder"]}
    return state


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(st.tuples(st.just(ADMIN), MANAGER), st.tuples(st.just(NADIA), OPERATOR)),
    edit=st.one_of(st.just(None), MANAGER, OPERATOR, WORD),
)
def test_an_edited_command_never_runs(edit_bot, data, edit):
    bot = edit_bot
    user, command = data
    message = bot.run(bot.emu.send(GROUP, user, command))
    bot.run(bot.idle())
    before, sent = _state(bot), len(bot.emu.sent)
    bot.run(bot.emu.edit(GROUP, message["message_id"], user, command if edit is None else edit))
    bot.run(bot.idle())
    assert _state(bot) == before
    answers = bot.emu.sent[sent:]
    assert len(answers) <= 1
    for answer in answers:
        assert answer.reply_to == message["message_id"] and answer.chat_id == GROUP
    assert [(r.method, r.error) for r in bot.emu.rejected] == []


def test_the_commands_above_did_run_and_edits_were_answered(edit_bot):
    """The property is not vacuous: the originals were applied, and some edits got the notice."""
    state = _state(edit_bot)
    tables = ("meeting", "proposal", "note", "action_point", "progress_report", "agenda_poll", "treaty_deadline")
    created = sum(len(state[table]) for table in tables)
    assert created > 2  # the setup made two rows (M1, AP1); the examples' originals made the others
    notices = [m for m in edit_bot.emu.sent if m.reply_to is not None and "لا تُطبَّق" in (m.text or "")]
    assert notices
