import pytest

from bot.models import Person
from bot.services import coalitions, members
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotFound
from bot.services.members import Member, PersonInfo


async def _coalition(session, clock):
    coalition, _ = await coalitions.setup(session, -100, "Group", SetupRequest("Lebanon"), clock.now())
    return coalition


async def test_open_roles_are_immediate_and_privileged_roles_wait(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        op = await members.upsert_person(s, PersonInfo(1, "Nadia", "nadia"))
        na = await members.upsert_person(s, PersonInfo(2, "Karim", "karim"))
        record, pending = await members.join(s, coalition, op, "OPERATOR", "NPA", clock.now())
        assert (record.role, pending, record.organisation) == ("operator", False, "NPA")
        record, pending = await members.join(s, coalition, na, "national_authority", "LMAC", clock.now())
        assert (record.role, record.pending_role, pending) == (None, "national_authority", True)
        member = await members.find_member(s, coalition, "@KARIM")
        assert await members.approve(s, member) == "national_authority"
        assert member.is_manager


async def test_an_operator_asking_for_a_privileged_role_keeps_operator_until_approved(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        person = await members.upsert_person(s, PersonInfo(1, "Nadia", "nadia"))
        await members.join(s, coalition, person, "operator", "NPA", clock.now())
        record, pending = await members.join(s, coalition, person, "facilitator", None, clock.now())
        assert (record.role, record.pending_role, record.organisation, pending) == (
            "operator",
            "facilitator",
            "NPA",
            True,
        )


async def test_unknown_role_and_member_are_refused(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        person = await members.upsert_person(s, PersonInfo(1, "Nadia"))
        with pytest.raises(InvalidInput) as error:
            await members.join(s, coalition, person, "king", None, clock.now())
        assert error.value.params["value"] == "king"
        with pytest.raises(NotFound):
            await members.find_member(s, coalition, "@nobody")


async def test_approving_without_a_request_is_refused(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        person = await members.upsert_person(s, PersonInfo(1, "Nadia", "nadia"))
        record, _ = await members.join(s, coalition, person, "donor", None, clock.now())
        with pytest.raises(InvalidInput):
            await members.approve(s, Member(record, person))


def test_reader_language_prefers_choice_then_telegram_then_coalition():
    from bot.models import Coalition

    coalition = Coalition(chat_id=-1, country="Lebanon", languages="ar,en")
    assert members.reader_language(Person(language="fr", telegram_language="en"), coalition) == "fr"
    assert members.reader_language(Person(telegram_language="fr-CA"), coalition) == "fr"
    assert members.reader_language(Person(telegram_language="de"), coalition) == "ar"
    assert members.reader_language(None, None) == "en"


async def test_upsert_keeps_one_person_per_telegram_user(db):
    async with db.transaction() as s:
        first = await members.upsert_person(s, PersonInfo(7, "Old Name", "old"))
        second = await members.upsert_person(s, PersonInfo(7, "New Name", "new"))
        assert first.id == second.id and second.full_name == "New Name"


async def test_speaker_reads_coalition_person_and_membership_together(db, clock):
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        member = await members.upsert_person(s, PersonInfo(1, "Nadia", "nadia"))
        await members.join(s, coalition, member, "operator", "NPA", clock.now())
        await members.upsert_person(s, PersonInfo(2, "Karim", "karim"))  # known, never joined
    async with db.transaction() as s:
        known = await members.speaker(s, -100, 1)
        assert (known.coalition.country, known.person.full_name, known.membership.role) == (
            "Lebanon",
            "Nadia",
            "operator",
        )
        outsider = await members.speaker(s, -100, 2)
        assert (outsider.coalition.id, outsider.person.username, outsider.membership) == (coalition.id, "karim", None)
        assert await members.speaker(s, -100, 3) == members.Speaker(outsider.coalition, None, None)  # new user
        elsewhere = await members.speaker(s, -200, 1)  # a group that is no coalition
        assert (elsewhere.coalition, elsewhere.person.id, elsewhere.membership) == (None, member.id, None)
        private = await members.speaker(s, None, 1)  # a private chat has no coalition
        assert (private.coalition, private.person.id, private.membership) == (None, member.id, None)


async def test_keep_current_writes_only_what_changed(db):
    async with db.transaction() as s:
        person = await members.keep_current(s, None, PersonInfo(5, "Amal", "amal", "ar"))
        assert person.id is not None
    async with db.transaction() as s:
        known = await members.speaker(s, None, 5)
        same = await members.keep_current(s, known.person, PersonInfo(5, "Amal", "amal", "ar"))
        assert same is known.person and not s.dirty
        await members.keep_current(s, known.person, PersonInfo(5, "Amal K.", None, "ar"))
        assert s.dirty and (known.person.full_name, known.person.username) == ("Amal K.", None)
