"""Issue 13: what a French and an Arabic reader actually see — lists, durations, direction
(through the Unicode bidi algorithm), buttons of mixed-language groups, country and role
names, dates and digits, and the incoming text with its direction controls removed."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from bidi import get_base_level, get_display
from telegram import Chat, Message, MessageEntity, User

from bot.i18n import BIDI_CONTROLS, strip_bidi, territory
from bot.models import ActionPoint, Coalition, Meeting, Membership, Person
from bot.services.actions import ORGANISATION, Item
from bot.services.errors import InvalidInput, Words
from bot.services.meetings import Attendance
from bot.services.members import Member, parse_role
from bot.services.parsing import parse_offsets, western_digits
from bot.services.roles import ROLE_LIST, read_role
from bot.views import actions, coalition, commands, meetings, members
from bot.views.render import every, syntax, user_error
from handlers.incoming import clean_message

HTML = re.compile(r"<[^>]+>")
LATIN_COMMA = re.compile(r"[,;](?=\s)")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
LEBANON = Coalition(
    id=1,
    chat_id=-100,
    country="Lebanon",
    timezone="Asia/Beirut",
    languages="ar,fr,en",
    reminder_offsets="14d,7d,1d",
    created_at=NOW,
)


def shown(text: str) -> str:
    """The text as Telegram shows it (markup gone), laid out by the Unicode bidi algorithm."""
    return get_display(HTML.sub("", text))


def paragraphs_are_right_to_left(text: str) -> bool:
    """Every line (Telegram lays each out as its own paragraph) has a right-to-left base."""
    return all(get_base_level(HTML.sub("", line)) == 1 for line in text.split("\n") if line.strip())


def member(name: str, username: str | None, organisation: str | None, role: str = "operator", pid: int = 1) -> Member:
    return Member(
        Membership(
            id=pid,
            coalition_id=1,
            person_id=pid,
            role=role,
            organisation=organisation,
            organisation_confirmed_at=NOW if organisation else None,
            joined_at=NOW,
        ),
        Person(id=pid, tg_user_id=1000 + pid, full_name=name, username=username, can_message=True),
    )


NADIA = member("Nadia Haddad", "nadia", "NPA", pid=1)
KARIM = member("Karim", "karim", "NPA", pid=2)
CLAIRE = member("Claire", "claire", "Embassy of France", role="donor", pid=3)


@pytest.fixture
def ar(catalogs):
    return catalogs.lang("ar", "Asia/Beirut", "Lebanon")


@pytest.fixture
def fr(catalogs):
    return catalogs.lang("fr", "Asia/Beirut", "Lebanon")


@pytest.fixture
def en(catalogs):
    return catalogs.lang("en", "Asia/Beirut", "Lebanon")


# Lists ------------------------------------------------------------------------------------


def test_languages_and_reminders_are_listed_the_locales_way_and_in_words(ar, fr, en):
    assert "Languages: العربية, Français, and English" in coalition.settings(en, LEBANON)
    assert "Meeting reminders: 14\u00a0days, 7\u00a0days, and 1\u00a0day before" in coalition.settings(en, LEBANON)
    french = coalition.settings(fr, LEBANON)
    assert "Langues\u00a0: العربية, Français et English" in french
    assert "Rappels de réunion\u00a0: 14\u00a0jours, 7\u00a0jours et 1\u00a0jour avant" in french
    arabic = coalition.settings(ar, LEBANON)
    assert "14d" not in arabic and "14d" not in french
    assert "،" in arabic and not LATIN_COMMA.search(arabic)
    # exact days, with the right plural forms
    assert "قبل الموعد بمدة 14\u00a0يومًا، و7\u00a0أيام، ويوم" in arabic


def test_members_are_listed_by_organisation_with_localised_headings_and_separators(ar, fr, en):
    listing = [NADIA, KARIM, CLAIRE]
    english = members.member_list(en, LEBANON, listing, show_reach=False)
    assert "<b>Operators</b>" in english and "<b>Donors</b>" in english
    assert "• NPA: Nadia Haddad @nadia and Karim @karim" in english
    french = members.member_list(fr, LEBANON, listing, show_reach=False)
    assert "<b>Opérateurs</b>" in french and "• NPA\u00a0: Nadia Haddad @nadia et Karim @karim" in french
    assert "Coalition nationale (Liban)" in french
    arabic = members.member_list(ar, LEBANON, listing, show_reach=False)
    assert "<b>الجهات المنفذة</b>" in arabic and "<b>الجهات المانحة</b>" in arabic
    assert "لبنان" in arabic and "Lebanon" not in arabic
    assert not LATIN_COMMA.search(HTML.sub("", arabic))
    assert paragraphs_are_right_to_left(arabic)
    assert "@nadia" in shown(arabic) and "nadia@" not in shown(arabic)


def test_rsvp_names_attendance_and_unanswered_lists_use_the_locale(ar, fr):
    meeting = Meeting(id=1, coalition_id=1, number=1, title="Technical Working Group", starts_at=NOW, created_at=NOW)
    attendance = Attendance(answered=[(NADIA, "yes"), (KARIM, "yes"), (CLAIRE, "no")], silent=[])
    arabic = meetings.rsvp_report(ar, meeting, attendance)
    assert "<b>سيحضرون</b>" in arabic and "<b>لن يحضروا</b>" in arabic and "سأحضر" not in arabic
    assert not LATIN_COMMA.search(HTML.sub("", arabic)) and "\u2069 و\u2068Karim\u2069" in arabic  # two names: "A وB"
    french = meetings.rsvp_report(fr, meeting, attendance)
    assert "<b>Présents</b>" in french and "NPA\u00a0: Nadia Haddad @nadia et Karim @karim" in french
    reminder = meetings.reminder_group(ar, LEBANON, meeting, Counter(yes=2), [NADIA, CLAIRE])
    assert not LATIN_COMMA.search(HTML.sub("", reminder))
    assert "سيحضرون: \u20682\u2069" in reminder


def test_role_and_key_lists_in_refusals_are_translated_and_joined(ar, fr):
    refusal = InvalidInput("Unknown role “{value}”. Roles: {roles}.", value="boss", roles=Words(ROLE_LIST))
    french = user_error(fr, refusal)
    assert "autorité nationale, donateur chef de file" in french and "observateur" in french
    arabic = user_error(ar, refusal)
    assert "الهيئة الوطنية" in arabic and "national_authority" not in arabic
    assert not LATIN_COMMA.search(arabic) and "، و" in arabic
    keys = user_error(ar, InvalidInput("Unknown setting “{value}”. Settings: {keys}.", value="x", keys=("a", "b")))
    assert not LATIN_COMMA.search(keys)


# Durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "english", "french"),
    [("14d", "14\u00a0days", "14\u00a0jours"), ("1d", "1\u00a0day", "1\u00a0jour"),
     ("3h", "3\u00a0hours", "3\u00a0heures"), ("30m", "30\u00a0minutes", "30\u00a0minutes")],
)  # fmt: skip
def test_the_late_reminder_notice_names_the_offset_in_words(en, fr, ar, label, english, french):
    meeting = Meeting(id=1, coalition_id=1, number=1, starts_at=NOW, created_at=NOW)
    assert f"M1 ({english} before)" in meetings.late_notice(en, meeting, label, dropped=False)
    assert f"M1 ({french} avant)" in meetings.late_notice(fr, meeting, label, dropped=True)
    assert label not in meetings.late_notice(ar, meeting, label, dropped=False)


def test_offsets_are_still_typed_as_codes():
    assert parse_offsets("14d,7d,1d") == [timedelta(days=14), timedelta(days=7), timedelta(days=1)]
    assert parse_offsets("١٤d") == [timedelta(days=14)]


# Direction --------------------------------------------------------------------------------


def test_commands_usernames_and_tags_keep_their_direction_in_arabic(ar):
    digest = actions.overdue_digest(ar, LEBANON, [], whole=True)
    visual = shown(digest)
    assert "/update" in visual and "update/" not in visual
    assert "#AP3" in visual and "AP3#" not in visual
    help_text = commands.help_text(ar, private=False, manager=True, admin=True, member=True)
    visual = shown(help_text)
    assert "/help" in visual and "help/" not in visual
    assert paragraphs_are_right_to_left(help_text)


def test_syntax_examples_are_in_code_with_the_marks_outside(ar, fr):
    text = syntax(ar, "يُرجى جدولته بالأمر /meeting YYYY-MM-DD HH:MM &lt;title&gt; @ &lt;place&gt;.")
    code = re.search(r"<code>(.*?)</code>", text)
    assert code and code.group(1) == "/meeting YYYY-MM-DD HH:MM &lt;title&gt; @ &lt;place&gt;"
    assert not BIDI_CONTROLS.search(code.group(1))
    assert "\u2066<code>" in text and "</code>\u2069" in text
    assert syntax(fr, "avec /poll seul") == "avec /poll seul"  # the prose after it stays prose
    assert syntax(ar, "أرسل /help") == "أرسل \u2066/help\u2069"  # a bare command stays tappable


def test_latin_user_text_does_not_turn_an_arabic_line_left_to_right(ar):
    action = ActionPoint(
        id=1, coalition_id=1, number=1, text="Submit technical survey plan", owner_kind=ORGANISATION,
        owner_name="NPA", due_on=date(2027, 5, 31), status="open", created_at=NOW,
    )  # fmt: skip
    lines = actions.item_lines(ar, Item(action, None, None), with_owner=True)
    assert paragraphs_are_right_to_left(lines[0])
    assert "31 أيار 2027" in lines[0]  # a readable long date, with Lebanon's month names
    created = actions.created(ar, action, None, overdue=False)
    assert paragraphs_are_right_to_left(created)


def test_pending_approvals_point_forward_in_the_readers_direction(ar, en):
    pending = member("Salim", "salim", None, pid=4)
    pending.membership.role, pending.membership.pending_role = None, "facilitator"
    assert "←" in members.member_list(ar, LEBANON, [pending], show_reach=False)
    assert "→" in members.member_list(en, LEBANON, [pending], show_reach=False)


def test_bidi_controls_are_removed_from_incoming_text_with_entities_shifted():
    text = "\u2066/update\u2069 \u2068AP3\u2069 done \u200f"
    message = Message(
        1, NOW, Chat(-1, Chat.SUPERGROUP), from_user=User(1, "N", False), text=text,
        entities=[MessageEntity(MessageEntity.BOT_COMMAND, 1, 7)],
    )  # fmt: skip
    clean_message(message)
    assert message.text == "/update AP3 done "
    assert [(e.type, e.offset, e.length) for e in message.entities] == [(MessageEntity.BOT_COMMAND, 0, 7)]
    assert strip_bidi("\u061c\u202a\u202e\u200e12\u2069") == "12"


def test_arabic_indic_digits_are_read_as_numbers():
    assert western_digits("٢٠٢٧-٠٤-١٥ ٠٩:٣٠") == "2027-04-15 09:30"


# Buttons of a mixed-language group ---------------------------------------------------------


def test_buttons_carry_every_group_language_when_short_else_an_icon(catalogs):
    meeting = Meeting(id=7, coalition_id=1, number=1, starts_at=NOW, created_at=NOW)
    first = catalogs.group(["ar", "fr", "en"], "Asia/Beirut", "Lebanon")[0]
    labels = [b.text for row in meetings.rsvp_keyboard(first, meeting).inline_keyboard for b in row]
    assert labels == ["✅ سأحضر", "💻 سأشارك عبر الإنترنت", "❌ لن أحضر"]  # joined would exceed 24
    pair = catalogs.group(["en", "fr"], "UTC", "Chad")[0]
    labels = [b.text for row in meetings.rsvp_keyboard(pair, meeting).inline_keyboard for b in row]
    assert labels[0] == "Attending · Présent" and len(labels[0]) <= 24
    approve = members.approve_keyboard(pair, NADIA, None).inline_keyboard[0][0].text
    assert approve == "Approve · Approuver"
    alone = catalogs.lang("ar")
    assert meetings.rsvp_keyboard(alone, meeting).inline_keyboard[0][0].text == "سأحضر"


def test_rsvp_buttons_and_counts_are_separate_messages(ar, fr):
    meeting = Meeting(id=7, coalition_id=1, number=1, starts_at=NOW, created_at=NOW)
    post = meetings.announcement(ar, LEBANON, meeting, Counter(yes=1, online=1))
    assert "سيحضرون: " in post and "سيشاركون عبر الإنترنت: " in post and "سأحضر" not in post
    assert "Présents\u00a0: " in meetings.announcement(fr, LEBANON, meeting, Counter())


# Countries, roles, dates, digits ------------------------------------------------------------


@pytest.mark.parametrize("typed", ["LB", "lb", "Lebanon", "Liban", "لبنان", "  lebanon "])
def test_a_country_is_recognised_in_any_language(typed):
    assert territory(typed) == "LB"


def test_free_text_that_is_not_a_country_stays_as_typed(catalogs):
    assert territory("Test country") is None
    assert catalogs.lang("ar").country_name("Test country") == "Test country"
    assert catalogs.lang("fr").country_name("Tchad") == "Tchad" and catalogs.lang("ar").country_name("Chad") == "تشاد"


@pytest.mark.parametrize(
    ("words", "role", "rest"),
    [
        ("operator NPA", "operator", ["NPA"]),
        ("opérateur NPA", "operator", ["NPA"]),
        ("الجهة المنفذة NPA", "operator", ["NPA"]),
        ("autorité nationale", "national_authority", []),
        ("national_authority LMAC", "national_authority", ["LMAC"]),
        ("الجهة المانحة الرائدة Embassy of Norway", "champion_donor", ["Embassy", "of", "Norway"]),
        ("الجهة المانحة Embassy", "donor", ["Embassy"]),
        ("Donateur chef de file", "champion_donor", []),
        ("الميسر", "facilitator", []),
        ("observatrice", "observer", []),
    ],
)
def test_roles_are_accepted_in_french_and_arabic(words, role, rest):
    assert read_role(words.split()) == (role, rest)


def test_an_unknown_role_is_refused():
    with pytest.raises(InvalidInput):
        parse_role("boss")
    assert parse_role("مراقب") == "observer"


def test_digits_and_month_names_follow_the_coalitions_country(catalogs):
    lebanon = catalogs.lang("ar", "Asia/Beirut", "Lebanon")
    assert lebanon.number(1234) == "\u20681.234\u2069"  # as Babel writes ar_LB
    assert "آب" in lebanon.day(date(2027, 8, 1))
    chad = catalogs.lang("ar", "Africa/Ndjamena", "Chad")
    assert "أغسطس" in chad.day(date(2027, 8, 1))
    assert catalogs.lang("ar", "UTC", "Test country").day(date(2027, 8, 1)) == "\u20681 أغسطس 2027\u2069"
    assert catalogs.lang("fr", "UTC", "Lebanon").number(1234) == "1\u202f234"


def test_file_captions_in_a_group_are_in_every_group_language(catalogs):
    first = catalogs.group(["ar", "fr", "en"], "Asia/Beirut", "Lebanon")[0]
    meeting = Meeting(id=1, coalition_id=1, number=1, title="", starts_at=NOW, created_at=NOW)
    caption = every(first, lambda t: meetings.title(t, meeting))
    assert caption.splitlines() == [
        "\u200f\u2068M1\u2069 · اجتماع الائتلاف",
        "M1 · Réunion de la coalition",
        "M1 · Coalition meeting",
    ]
