import pytest

from bot.models import Person
from bot.services import coalitions, members, organisations
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput, NotAllowed, NotFound
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
        granted = await members.approve(s, member, op, clock.now())
        assert granted == members.Granted("national_authority", "LMAC")  # the claim is confirmed with the role
        assert member.is_manager and member.acting_organisation == "LMAC"


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
            await members.approve(s, Member(record, person), None, clock.now())


async def test_a_claim_counts_once_another_manager_confirms_it(db, clock):
    """SPEC §3: `npa` joins `NPA`; an unconfirmed claim acts for nobody; nobody confirms their
    own; a new organisation loses the old one's rights; `/role … <org>` confirms at once."""
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        nadia = await members.upsert_person(s, PersonInfo(1, "Nadia", "nadia"))
        eve = await members.upsert_person(s, PersonInfo(2, "Eve", "eve"))
        boss = await members.upsert_person(s, PersonInfo(3, "Rania", "rania"))
        first, _ = await members.join(s, coalition, nadia, "operator", "NPA", clock.now())
        second, _ = await members.join(s, coalition, eve, "observer", "  npa ", clock.now())
        assert (first.organisation, second.organisation) == ("NPA", "NPA")
        assert await organisations.names(s, coalition) == ["NPA"]
        eve_member = Member(second, eve)
        assert (eve_member.acting_organisation, eve_member.awaiting_organisation) == (None, "NPA")
        with pytest.raises(NotAllowed) as own:
            await members.approve(s, eve_member, eve, clock.now())
        assert own.value.params["organisation"] == "NPA"
        assert await members.approve(s, eve_member, boss, clock.now()) == members.Granted(None, "NPA")
        assert eve_member.acting_organisation == "NPA" and second.organisation_confirmed_by == boss.id
        await members.join(s, coalition, eve, "observer", "NPA", clock.now())  # the same: still confirmed
        assert eve_member.acting_organisation == "NPA"
        await members.join(s, coalition, eve, "operator", "HALO Trust", clock.now())
        assert (eve_member.acting_organisation, eve_member.awaiting_organisation) == (None, "HALO Trust")
        nadia_member = Member(first, nadia)
        granted = await members.set_role(s, coalition, nadia_member, "operator", "npa", boss, clock.now())
        assert granted == members.Granted("operator", "NPA") and nadia_member.acting_organisation == "NPA"
        with pytest.raises(NotAllowed):  # a manager's own claim: another manager confirms it
            await members.set_role(s, coalition, Member(second, eve), "observer", "MAG", eve, clock.now())
        organisations.revoke(second)
        assert (eve_member.acting_organisation, eve_member.awaiting_organisation) == (None, None)


async def test_a_name_mixing_look_alike_alphabets_is_refused(db, clock):
    """`NРA` with a Cyrillic `Р` would be another organisation that looks like NPA."""
    async with db.transaction() as s:
        coalition = await _coalition(s, clock)
        person = await members.upsert_person(s, PersonInfo(1, "Eve", "eve"))
        with pytest.raises(InvalidInput) as refused:
            await members.join(s, coalition, person, "operator", "N\u0420A", clock.now())
        assert refused.value.params["value"] == "N\u0420A"
        for fine in ("Норвежская народная помощь", "UNDP لبنان", "Ελληνική Ομάδα", "HALO Trust"):
            record, _ = await members.join(s, coalition, person, "operator", fine, clock.now())
            assert record.organisation == fine


def test_the_migration_key_is_the_services_key():
    """Revision 0010 keeps a frozen copy of the key: both must agree (SPEC §3)."""
    from alembic.script import ScriptDirectory

    from bot.store.migrate import alembic_config

    migration = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0010").module
    for name in ["NPA", " npa  ", "ＮＰＡ", "Straße", "STRASSE", "Embassy  of\tNorway", "الهيئة الوطنية", "ﻻ"]:
        assert migration.organisation_key(name) == organisations.key(name)
    assert organisations.key("ＮＰＡ") == organisations.key("npa") and organisations.key("Straße") == "strasse"


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
