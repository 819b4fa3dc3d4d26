"""Operators' monthly progress reports and the coalition's treaty deadlines (SPEC §9)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import utc_column


def _amount() -> sa.Column:
    """Areas reach billions of m²: 64-bit on every database."""
    return sa.Column(sa.BigInteger(), nullable=False, server_default="0")


class ProgressReport(SQLModel, table=True):
    """One operator organisation's figures for one month.

    The figures belong to the organisation, not to the person who filed them (SPEC §3:
    `/forgetme` keeps an organisation's figures), so `organisation` is the key and the
    reporter is only a nullable reference.
    """

    __tablename__ = "progress_report"
    __table_args__ = (sa.UniqueConstraint("coalition_id", "organisation", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    organisation: str
    period: str  # YYYY-MM: sorts as text
    cancelled: int = Field(default=0, sa_column=_amount())  # m², by non-technical survey
    reduced: int = Field(default=0, sa_column=_amount())  # m², by technical survey
    cleared: int = Field(default=0, sa_column=_amount())  # m²
    cmr: int = Field(default=0, sa_column=_amount())  # cluster munition remnants destroyed
    submunitions: int = Field(default=0, sa_column=_amount())  # stockpiled, destroyed (Article 3)
    re_sessions: int = Field(default=0, sa_column=_amount())  # risk education sessions
    re_people: int = Field(default=0, sa_column=_amount())  # people reached by risk education
    found: int = Field(default=0, sa_column=_amount())  # m² newly identified as contaminated (SPEC §14)
    reported_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    reported_at: datetime = Field(sa_column=utc_column())

    @property
    def released(self) -> int:
        """Land released: cancelled + reduced + cleared."""
        return self.cancelled + self.reduced + self.cleared


class ArchivedReport(SQLModel, table=True):
    """A report set aside when two spellings of one organisation were merged (SPEC §3, on
    upgrade): both had filed the same month, the later report was kept (`kept_id`) and this
    one is kept here, as filed and under the spelling it was filed with, for managers to check.
    It counts in no total."""

    __tablename__ = "archived_report"

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    organisation: str  # the spelling it was filed under
    period: str
    cancelled: int = Field(default=0, sa_column=_amount())
    reduced: int = Field(default=0, sa_column=_amount())
    cleared: int = Field(default=0, sa_column=_amount())
    cmr: int = Field(default=0, sa_column=_amount())
    submunitions: int = Field(default=0, sa_column=_amount())
    re_sessions: int = Field(default=0, sa_column=_amount())
    re_people: int = Field(default=0, sa_column=_amount())
    found: int = Field(default=0, sa_column=_amount())
    reported_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    reported_at: datetime = Field(sa_column=utc_column())
    kept_id: int | None = Field(default=None, foreign_key="progress_report.id", ondelete="SET NULL")
    archived_at: datetime = Field(sa_column=utc_column())


class TreatyDeadline(SQLModel, table=True):
    """The date by which an Article 3 or Article 4 obligation must be met (SPEC §9).

    `revision` is bumped at each change, so the alerts planned for the new date are new
    reminder rows with new keys.
    """

    __tablename__ = "treaty_deadline"
    __table_args__ = (sa.UniqueConstraint("coalition_id", "article"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    article: str  # article3 | article4 | msp (the Meeting of States Parties deciding an extension)
    due_on: date
    revision: int = 1
    set_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    set_at: datetime = Field(sa_column=utc_column())


class Article7Submission(SQLModel, table=True):
    """What was sent for one calendar year's Article 7 report (SPEC §14), kept as sent.

    `figures` is the JSON of `treaty.snapshot()` (the report figures and, since Form I, its
    totals per currency under "cooperation"): a later report for that year is compared with it,
    so the national authority learns that the submission no longer matches.
    """

    __tablename__ = "article7_submission"
    __table_args__ = (sa.UniqueConstraint("coalition_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    year: int
    figures: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    submitted_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    submitted_at: datetime = Field(sa_column=utc_column())
