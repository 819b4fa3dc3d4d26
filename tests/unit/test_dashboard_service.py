"""The dashboard's rules that need no browser: the public page's slug, publishing rights, the cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Coalition, Meeting
from bot.services import dashboard
from bot.services.errors import NotAllowed

NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("country", "slug"),
    [
        ("Lebanon", "lebanon"),
        ("Liban", "lebanon"),
        ("لبنان", "lebanon"),
        ("  lebanon ", "lebanon"),
        ("Côte d’Ivoire", "cote-d-ivoire"),
        ("Lao PDR", "lao-pdr"),
        ("Irak", "iraq"),
        ("جمهورية لاو", "coalition"),  # no English name known, no ASCII letters: never empty
    ],
)
def test_slug_is_the_lowercase_ascii_english_name(country: str, slug: str) -> None:
    assert dashboard.slug_base(country) == slug


async def _coalition(session, chat_id: int, country: str) -> Coalition:
    coalition = Coalition(chat_id=chat_id, country=country, created_at=NOW)
    session.add(coalition)
    await session.flush()
    return coalition


async def test_a_second_coalition_of_a_country_gets_2_and_slugs_never_change(db) -> None:
    async with db.transaction() as s:
        first = await _coalition(s, -1, "Lebanon")
        second = await _coalition(s, -2, "Liban")
        third = await _coalition(s, -3, "لبنان")
        for coalition in (first, second, third):
            await dashboard.set_public(s, coalition, True, None, admin=True)
        assert [first.public_slug, second.public_slug, third.public_slug] == ["lebanon", "lebanon-2", "lebanon-3"]
        await dashboard.set_public(s, first, False, None, admin=False)  # any manager may switch it off
        assert await dashboard.published(s, "lebanon") is None
        first.country = "Lebanese Republic"
        await dashboard.set_public(s, first, True, None, admin=True)
        assert first.public_slug == "lebanon"
        assert (await dashboard.published(s, "lebanon")).id == first.id


async def test_only_the_national_authority_or_an_admin_publishes(db) -> None:
    async with db.transaction() as s:
        coalition = await _coalition(s, -1, "Lebanon")
        with pytest.raises(NotAllowed):
            await dashboard.set_public(s, coalition, True, None, admin=False)
        with pytest.raises(NotAllowed):
            await dashboard.set_network(s, coalition, True, None, admin=False)
        assert coalition.public is False and coalition.public_slug is None and coalition.network is False


def test_the_cadence_holds_while_the_next_meeting_falls_within_it() -> None:
    coalition = Coalition(chat_id=-1, country="Lebanon", cadence_months=6, created_at=NOW)
    last = Meeting(coalition_id=1, number=1, starts_at=NOW - timedelta(days=100), created_at=NOW)
    soon = Meeting(coalition_id=1, number=2, starts_at=NOW + timedelta(days=50), created_at=NOW)
    late = Meeting(coalition_id=1, number=2, starts_at=NOW + timedelta(days=120), created_at=NOW)
    assert dashboard.cadence_holds(coalition, last, soon, NOW)
    assert not dashboard.cadence_holds(coalition, last, late, NOW)
    assert dashboard.cadence_holds(coalition, last, None, NOW)  # still inside the six months
    assert not dashboard.cadence_holds(coalition, last, None, NOW + timedelta(days=90))
    assert not dashboard.cadence_holds(coalition, None, None, NOW)
    assert dashboard.cadence_holds(coalition, None, soon, NOW)
