"""The coalition, the people the bot knows and their memberships (SPEC §3)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import big_id, utc_column


class Coalition(SQLModel, table=True):
    """One Telegram group = one Country Coalition (SPEC §3)."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=big_id(unique=True))
    title: str = ""
    country: str
    timezone: str = "UTC"
    languages: str = "en"  # comma-separated; the first is the primary language
    cadence_months: int = 6
    reminder_offsets: str = "14d,7d,1d"
    baseline_m2: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger(), nullable=True))
    baseline_period: str | None = None  # YYYY-MM the baseline is the area at the start of; None: first report's
    eif_m2: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger(), nullable=True))  # declared
    eif_on: date | None = None  # entry into force, declared with the area then contaminated
    released_before_m2: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger(), nullable=True))
    topic_id: int | None = None
    created_at: datetime = Field(sa_column=utc_column())
    public: bool = Field(default=False, sa_column=sa.Column(sa.Boolean(), nullable=False, server_default=sa.false()))
    public_slug: str | None = Field(default=None, sa_column=sa.Column(sa.String(80), nullable=True, unique=True))
    """Fixed at the first publication (SPEC §15), kept when the page is switched off and on."""
    network: bool = Field(default=False, sa_column=sa.Column(sa.Boolean(), nullable=False, server_default=sa.false()))
    paused_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    """Since when the bot is out of the group (SPEC §3 "Leaving"): no posts, reminders held."""
    erase_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    """`/closecoalition` confirmed: when its data is erased, unless cancelled before."""

    @property
    def language_list(self) -> list[str]:
        return self.languages.split(",")


class Person(SQLModel, table=True):
    """A Telegram user known to the bot, shared by every coalition they belong to."""

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int | None = Field(default=None, sa_column=big_id(nullable=True, unique=True))
    username: str | None = Field(default=None, index=True)
    full_name: str = ""
    telegram_language: str | None = None
    language: str | None = None
    timezone: str | None = None
    can_message: bool = False  # sent /start in private: the bot may write to them
    unreachable: bool = False  # Telegram answered 403 to a private message


class Organisation(SQLModel, table=True):
    """An organisation of a coalition (SPEC §3): one row per coalition, whatever the spelling.

    `name` is the first spelling used, shown everywhere and stored as the organisation's name
    in memberships, reports, pledges and action points; `key` (NFKC, casefold, collapsed
    spaces, computed in Python so SQLite and PostgreSQL agree) is what a new spelling is
    matched on, so `npa` joins `NPA`."""

    __table_args__ = (
        sa.UniqueConstraint("coalition_id", "key", name="uq_organisation_coalition_key"),
        sa.UniqueConstraint("coalition_id", "name", name="uq_organisation_coalition_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    name: str
    key: str
    created_at: datetime = Field(sa_column=utc_column())


class Membership(SQLModel, table=True):
    """A person's place in one coalition.

    `role` is the effective role (None while a first request is pending);
    `pending_role` is a privileged role awaiting a manager's approval.
    `organisation` is the organisation the member claims to act for (an `Organisation` of
    the coalition, by name: the foreign key holds it to the registry); the claim counts only
    once a manager has confirmed it (`organisation_confirmed_at`, SPEC §3). A confirmation
    kept from before confirmations existed has no `organisation_confirmed_by`.
    """

    __table_args__ = (
        sa.UniqueConstraint("coalition_id", "person_id"),
        sa.ForeignKeyConstraint(
            ["coalition_id", "organisation"],
            ["organisation.coalition_id", "organisation.name"],
            name="fk_membership_organisation_organisation",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    role: str | None = None
    pending_role: str | None = None
    organisation: str | None = None
    organisation_confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    organisation_confirmed_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    joined_at: datetime = Field(sa_column=utc_column())
    # SPEC §8: since when the member is facilitator, shown to a concern's sender, and the
    # number of the coalition's last concern at that moment: a new facilitator reads only later ones
    facilitator_since: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    concerns_after: int | None = None
    # SPEC §3 "Leaving": the member left or was removed from the group; role, organisation
    # and pending request are gone, the row stays as the record that they were a member
    left_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class GroupAdmin(SQLModel, table=True):
    """A Telegram administrator of a coalition's group, as last reported by Telegram.

    Administrators manage the coalition in private chats too (SPEC §3), where the bot cannot
    tell from the update which groups someone administers: this list names the coalitions to
    check, and is rewritten each time the bot fetches the group's administrators."""

    __tablename__ = "group_admin"

    coalition_id: int = Field(foreign_key="coalition.id", primary_key=True, ondelete="CASCADE")
    tg_user_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True, index=True))
