"""Organisations, one row per coalition, and confirmed claims to act for them (SPEC §3).

Revision ID: 0010
Revises: 0015

On upgrade, in each coalition:

* every spelling of an organisation found in memberships, progress reports, pledges and
  organisation-owned action points is grouped by its key (NFKC, casefold, collapsed spaces);
  each group becomes one `organisation` row named by its earliest spelling, and every
  reference is rewritten to that name;
* two reports of the same month under spellings of one organisation: the later is kept, the
  other moves to `archived_report` (counted nowhere, shown to the managers);
* every existing claim is kept as confirmed (no confirmer: it predates confirmations);
* a coalition with claims (or archived reports) gets one `organisations` reminder, due now:
  its managers receive one private list of members and organisations with a *Revoke* button
  per line (`jobs/organisations.py`), delivered like every reminder, so it survives restarts.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision = "0010"
down_revision = "0015"
branch_labels = None
depends_on = None

REVIEW_KIND = "organisations"
"""`Kind.ORGANISATIONS`, written as text: a migration must not change when the code does."""
_FIGURES = ("cancelled", "reduced", "cleared", "cmr", "submunitions", "re_sessions", "re_people", "found")


def organisation_key(name: str) -> str:
    """A frozen copy of `bot.services.organisations.key` (a unit test holds them equal): this
    revision must merge the same way whatever the code later becomes."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _figures() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in _FIGURES]


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", bot.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_organisation_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("coalition_id", "key", name=op.f("uq_organisation_coalition_key")),
        sa.UniqueConstraint("coalition_id", "name", name=op.f("uq_organisation_coalition_name")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_coalition_id"), ["coalition_id"], unique=False)
    op.create_table(
        "archived_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        *_figures(),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", bot.models.base.UTCDateTime(), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", bot.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"],
            ["coalition.id"],
            name=op.f("fk_archived_report_coalition_id_coalition"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["person.id"], name=op.f("fk_archived_report_reported_by_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["kept_id"],
            ["progress_report.id"],
            name=op.f("fk_archived_report_kept_id_progress_report"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_report")),
    )
    with op.batch_alter_table("archived_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archived_report_coalition_id"), ["coalition_id"], unique=False)

    now = datetime.now(UTC).replace(tzinfo=None)
    _merge(op.get_bind(), now)

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_confirmed_at", bot.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("organisation_confirmed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_membership_organisation_confirmed_by_person"),
            "person",
            ["organisation_confirmed_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_membership_organisation_organisation"),
            "organisation",
            ["coalition_id", "organisation"],
            ["coalition_id", "name"],
        )
    membership = sa.table(
        "membership", sa.column("organisation", sa.String()), sa.column("organisation_confirmed_at", sa.DateTime())
    )
    connection = op.get_bind()
    connection.execute(
        sa.update(membership).where(membership.c.organisation.is_not(None)).values(organisation_confirmed_at=now)
    )
    _flag_reviews(connection, now)


_MEMBERSHIP = sa.table(
    "membership",
    sa.column("id", sa.Integer()),
    sa.column("coalition_id", sa.Integer()),
    sa.column("organisation", sa.String()),
    sa.column("joined_at", sa.DateTime()),
)
_REPORT = sa.table(
    "progress_report",
    sa.column("id", sa.Integer()),
    sa.column("coalition_id", sa.Integer()),
    sa.column("organisation", sa.String()),
    sa.column("period", sa.String()),
    *(sa.column(name, sa.BigInteger()) for name in _FIGURES),
    sa.column("reported_by", sa.Integer()),
    sa.column("reported_at", sa.DateTime()),
)
_PLEDGE = sa.table(
    "pledge",
    sa.column("id", sa.Integer()),
    sa.column("coalition_id", sa.Integer()),
    sa.column("organisation", sa.String()),
    sa.column("pledged_at", sa.DateTime()),
)
_ACTION = sa.table(
    "action_point",
    sa.column("id", sa.Integer()),
    sa.column("coalition_id", sa.Integer()),
    sa.column("owner_kind", sa.String()),
    sa.column("owner_name", sa.String()),
    sa.column("created_at", sa.DateTime()),
)
_SOURCES = (
    (_MEMBERSHIP, "organisation", "joined_at", None),
    (_REPORT, "organisation", "reported_at", None),
    (_PLEDGE, "organisation", "pledged_at", None),
    (_ACTION, "owner_name", "created_at", ("owner_kind", "organisation")),
)
"""Where an organisation's name is stored: (table, name column, when it appeared, filter)."""


def _merge(connection: sa.Connection, now: datetime) -> None:
    """One organisation row per key and coalition, named by the earliest spelling; every
    reference rewritten to it; same-month reports of two spellings reduced to the later."""
    blank = sa.func.trim(_MEMBERSHIP.c.organisation) == ""
    connection.execute(sa.update(_MEMBERSHIP).where(blank).values(organisation=None))  # no claim at all
    first_seen: dict[tuple[int, str], dict[str, datetime]] = defaultdict(dict)
    for table, column, when, only in _SOURCES:
        query = sa.select(table.c.coalition_id, table.c[column], table.c[when]).where(table.c[column].is_not(None))
        if only is not None:
            query = query.where(table.c[only[0]] == only[1])
        for coalition_id, spelling, at in connection.execute(query).all():
            name = " ".join(spelling.split())
            if not name:
                continue
            seen = first_seen[(coalition_id, organisation_key(name))]
            seen[spelling] = min(at, seen.get(spelling, at))
    organisation = sa.table(
        "organisation",
        sa.column("coalition_id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("key", sa.String()),
        sa.column("created_at", sa.DateTime()),
    )
    for (coalition_id, key), spellings in sorted(first_seen.items()):
        earliest = min(spellings, key=lambda spelling: (spellings[spelling], spelling))
        name = " ".join(earliest.split())
        created = spellings[earliest]
        connection.execute(
            organisation.insert().values(coalition_id=coalition_id, name=name, key=key, created_at=created)
        )
        _archive_same_months(connection, coalition_id, list(spellings), now)
        for table, column, _, only in _SOURCES:
            rename = (
                sa.update(table)
                .where(table.c.coalition_id == coalition_id, table.c[column].in_(list(spellings)))
                .where(table.c[column] != name)
            )
            if only is not None:
                rename = rename.where(table.c[only[0]] == only[1])
            connection.execute(rename.values({column: name}))


def _archive_same_months(connection: sa.Connection, coalition_id: int, spellings: list[str], now: datetime) -> None:
    """Reports of one month under several spellings: the latest filed is kept, the others archived."""
    archive = sa.table(
        "archived_report",
        sa.column("coalition_id", sa.Integer()),
        sa.column("organisation", sa.String()),
        sa.column("period", sa.String()),
        *(sa.column(name, sa.BigInteger()) for name in _FIGURES),
        sa.column("reported_by", sa.Integer()),
        sa.column("reported_at", sa.DateTime()),
        sa.column("kept_id", sa.Integer()),
        sa.column("archived_at", sa.DateTime()),
    )
    rows = connection.execute(
        sa.select(_REPORT).where(_REPORT.c.coalition_id == coalition_id, _REPORT.c.organisation.in_(spellings))
    ).all()
    by_period = defaultdict(list)
    for row in rows:
        by_period[row.period].append(row)
    for reports in by_period.values():
        if len(reports) < 2:
            continue
        kept, *others = sorted(reports, key=lambda r: (r.reported_at, r.id), reverse=True)
        for other in others:
            connection.execute(
                archive.insert().values(
                    coalition_id=coalition_id,
                    organisation=other.organisation,
                    period=other.period,
                    **{name: getattr(other, name) for name in _FIGURES},
                    reported_by=other.reported_by,
                    reported_at=other.reported_at,
                    kept_id=kept.id,
                    archived_at=now,
                )
            )
            connection.execute(sa.delete(_REPORT).where(_REPORT.c.id == other.id))


def _flag_reviews(connection: sa.Connection, now: datetime) -> None:
    """One `organisations` reminder per coalition that has claims or archived reports."""
    archived = sa.table("archived_report", sa.column("coalition_id", sa.Integer()))
    coalitions = set(
        connection.execute(
            sa.select(_MEMBERSHIP.c.coalition_id).where(_MEMBERSHIP.c.organisation.is_not(None)).distinct()
        ).scalars()
    ) | set(connection.execute(sa.select(archived.c.coalition_id).distinct()).scalars())
    reminder = sa.table(
        "reminder",
        sa.column("key", sa.String()),
        sa.column("coalition_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("label", sa.String()),
        sa.column("due_at", sa.DateTime()),
        sa.column("state", sa.String()),
        sa.column("note", sa.String()),
    )
    for coalition_id in sorted(coalitions):
        connection.execute(
            reminder.insert().values(
                key=f"{REVIEW_KIND}:{coalition_id}",
                coalition_id=coalition_id,
                kind=REVIEW_KIND,
                label="",
                due_at=now,
                state="pending",
                note="",
            )
        )


def downgrade() -> None:
    """Back to free-text organisations: the rows go, merged spellings stay merged, archived
    reports are dropped (the kept report of each month stays)."""
    reminder = sa.table("reminder", sa.column("id", sa.Integer()), sa.column("kind", sa.String()))
    delivery = sa.table("delivery", sa.column("reminder_id", sa.Integer()))
    reviews = sa.select(reminder.c.id).where(reminder.c.kind == REVIEW_KIND)
    connection = op.get_bind()
    connection.execute(sa.delete(delivery).where(delivery.c.reminder_id.in_(reviews)))
    connection.execute(sa.delete(reminder).where(reminder.c.kind == REVIEW_KIND))
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_membership_organisation_organisation"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_membership_organisation_confirmed_by_person"), type_="foreignkey")
        batch_op.drop_column("organisation_confirmed_by")
        batch_op.drop_column("organisation_confirmed_at")
    with op.batch_alter_table("archived_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archived_report_coalition_id"))
    op.drop_table("archived_report")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_coalition_id"))
    op.drop_table("organisation")
