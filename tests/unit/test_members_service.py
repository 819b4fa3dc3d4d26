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
        assert (record.role, record.pending_role, record.organisation, pending) == ("operator", "facilitator", "NPA", True)


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
