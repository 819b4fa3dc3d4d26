"""The kinds of scheduled message, named once.

A `Reminder` row's `kind` says which composer writes it (`jobs.COMPOSERS`); planners in the
services write rows of these kinds. `jobs` checks at import that every kind has exactly one
composer, so a planner can never write a row nothing will send.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    MEETING = "meeting"  # a reminder before a meeting (SPEC §4, §6)
    POST_MEETING = "post_meeting"  # managers: record notes, send /summary
    CADENCE = "cadence"  # no meeting scheduled in time
    SUMMARY = "summary"  # the meeting summary, to the group and every member
    MIDTERM_ASK = "midterm_ask"  # owners: their status a week before the midpoint
    MIDTERM_DRAFT = "midterm_draft"  # national authority: the drafted mid-term update
    MIDTERM_POST = "midterm_post"  # the circulated mid-term update, in the group
    OVERDUE = "overdue"  # the daily overdue digest
    CONCERN = "concern"  # an anonymous concern, to the facilitators (SPEC §8)
    DEADLINE = "deadline"  # a treaty deadline alert (SPEC §9)
    NEED_AGENDA = "need_agenda"  # national authority: unpledged high-priority needs put on the agenda (SPEC §13)
    PLEDGE_NUDGE = "pledge_nudge"  # the donor: a pledge not disbursed after its date (SPEC §13)
    ARTICLE7 = "article7"  # the Article 7 report on the previous year is due or overdue (SPEC §14)
    ARTICLE7_CHANGED = "article7_changed"  # a later report changed a submitted year's figures
    EXTENSION_DUE = "extension_due"  # 90, 30, 7 days before an extension request's submission date
    ERASE = "erase"  # /closecoalition: the coalition's data erased 30 days after it was confirmed (SPEC §3)
    ORGANISATIONS = "organisations"  # managers, once after the upgrade: who acts for which organisation (SPEC §3)
    UNDELIVERED = "undelivered"  # managers: messages Telegram refused for good (SPEC §11)
