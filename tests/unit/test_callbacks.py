"""Callback data: each kind builds, matches and parses its own buttons, and nothing else."""

import re

import pytest

from bot.views import callbacks
from bot.views.callbacks import InvalidCallback


@pytest.mark.parametrize(
    "data",
    [
        callbacks.Join("national_authority"),
        callbacks.Approve(123456789012345678),
        callbacks.Approve(12, 3),
        callbacks.Revoke(123456789012345678, 123456789012345678),
        callbacks.Rsvp(7, "online"),
        callbacks.Report("c", "0a1b2c3d", 42),
        callbacks.Report("k", "0a1b2c3d"),
        callbacks.Export(3),
        callbacks.ConcernCoalition(3),
        callbacks.ActionStatus(9, "blocked"),
        callbacks.Midterm(11),
        callbacks.Forget(True),
        callbacks.Forget(False),
        callbacks.CloseCoalition(3, "ask"),
        callbacks.CloseCoalition(123456789012345678, "yes"),
    ],
)
def test_what_a_kind_packs_it_parses_back_and_only_its_pattern_matches(data):
    packed = data.pack()
    assert len(packed.encode()) <= 64
    assert type(data).parse(packed) == data
    matching = [kind for kind in callbacks.KINDS if re.match(kind.pattern(), packed)]
    assert matching == [type(data)]


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (callbacks.Rsvp, "r:7:maybe"),  # not a choice
        (callbacks.Rsvp, "r:7"),  # a field missing
        (callbacks.Rsvp, "r:7:yes:extra"),  # a field too many
        (callbacks.Rsvp, "r:x:yes"),  # not an id
        (callbacks.Rsvp, "r:1234567890123456789:yes"),  # longer than any id
        (callbacks.Rsvp, "a:7:yes"),  # another kind's prefix
        (callbacks.Report, "pr:r:NOTHEX00"),
        (callbacks.Join, "j:Drop Table"),
        (callbacks.Forget, "fg:maybe"),
        (callbacks.CloseCoalition, "cz:3:now"),  # not a step
        (callbacks.CloseCoalition, "cz:3"),
        (callbacks.Approve, None),
        (callbacks.Approve, ""),
        (callbacks.Revoke, "rv:7"),  # the organisation missing
    ],
)
def test_data_no_button_of_that_kind_could_send_is_refused(kind, data):
    with pytest.raises(InvalidCallback):
        kind.parse(data)


def test_prefixes_are_unique():
    prefixes = [kind.PREFIX for kind in callbacks.KINDS]
    assert len(prefixes) == len(set(prefixes))


def test_data_over_telegrams_64_bytes_is_never_built():
    with pytest.raises(InvalidCallback):
        callbacks.Join("x" * 70).pack()
