import pytest

from bot.services import coalitions
from bot.services.coalitions import SetupRequest
from bot.services.errors import InvalidInput


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["Lebanon", "Asia/Beirut", "ar"], SetupRequest("Lebanon", "Asia/Beirut", "ar")),
        (["Lebanon", "ar"], SetupRequest("Lebanon", None, "ar")),
        (["Lao", "PDR", "Asia/Vientiane"], SetupRequest("Lao PDR", "Asia/Vientiane", None)),
        (["Lebanon"], SetupRequest("Lebanon")),
        ([], SetupRequest(None)),
    ],
)
def test_setup_arguments(args, expected):
    assert SetupRequest.parse(args) == expected


@pytest.mark.parametrize("args", [["Lebanon", "Asia/Beyrouth"], ["Lebanon", "Asia/Beirut", "de"]])
def test_setup_refuses_bad_timezone_or_language(args):
    with pytest.raises(InvalidInput):
        SetupRequest.parse(args)


async def test_setup_creates_then_updates_only_given_fields(db, clock):
    async with db.transaction() as s:
        coalition, created = await coalitions.setup(
            s, -5, "G", SetupRequest("Lebanon", "Asia/Beirut", "ar"), clock.now()
        )
        assert created and (coalition.timezone, coalition.languages) == ("Asia/Beirut", "ar")
        coalition, created = await coalitions.setup(s, -5, "G", SetupRequest(None, None, "fr"), clock.now())
        assert not created and (coalition.country, coalition.timezone, coalition.languages) == (
            "Lebanon",
            "Asia/Beirut",
            "fr",
        )


async def test_setup_needs_a_country_the_first_time(db, clock):
    async with db.transaction() as s:
        with pytest.raises(InvalidInput):
            await coalitions.setup(s, -5, "G", SetupRequest(None), clock.now())


async def test_settings_are_validated_and_unchanged_on_error(db, clock):
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, -5, "G", SetupRequest("Lebanon"), clock.now())
        coalitions.apply_setting(coalition, "reminders", "1d,14d,3h")
        assert coalition.reminder_offsets == "14d,1d,3h"
        for key, value in [
            ("reminders", "1x"),
            ("timezone", "Nowhere/City"),
            ("language", "de"),
            ("cadence", "1m"),
            ("baseline", "-3"),
            ("colour", "blue"),
        ]:
            with pytest.raises(InvalidInput):
                coalitions.apply_setting(coalition, key, value)
        assert (
            coalition.reminder_offsets,
            coalition.timezone,
            coalition.languages,
            coalition.cadence_months,
            coalition.baseline_m2,
        ) == ("14d,1d,3h", "UTC", "en", 6, None)


async def test_migration_moves_the_coalition_once(db, clock):
    async with db.transaction() as s:
        await coalitions.setup(s, -5, "G", SetupRequest("Lebanon"), clock.now())
        moved = await coalitions.migrate(s, -5, -1005)
        assert moved.chat_id == -1005
        assert await coalitions.migrate(s, -5, -1005) is None
        assert (await coalitions.by_chat(s, -1005)).country == "Lebanon"
