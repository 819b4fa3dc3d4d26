from datetime import timedelta

import pytest

from bot.services import parsing
from bot.services.errors import InvalidInput


def test_timezone_is_matched_case_insensitively():
    assert parsing.parse_timezone("asia/beirut") == "Asia/Beirut"
    assert parsing.parse_timezone("utc") == "UTC"


@pytest.mark.parametrize("value", ["Mars/Olympus", "Beirut", "", "Asia/Beirut/x"])
def test_unknown_timezone_names_the_value(value):
    with pytest.raises(InvalidInput) as error:
        parsing.parse_timezone(value)
    assert error.value.params["value"] == value


def test_languages_keep_order_and_refuse_duplicates_and_unknowns():
    assert parsing.parse_languages("ar, en") == ["ar", "en"]
    with pytest.raises(InvalidInput):
        parsing.parse_languages("ar,ar")
    with pytest.raises(InvalidInput) as error:
        parsing.parse_languages("ar,de")
    assert error.value.params["value"] == "de"


def test_offsets_are_sorted_longest_first_and_round_trip():
    offsets = parsing.parse_offsets("2d,14d,30m,3h")
    assert offsets == [timedelta(days=14), timedelta(days=2), timedelta(hours=3), timedelta(minutes=30)]
    assert [parsing.format_offset(d) for d in offsets] == ["14d", "2d", "3h", "30m"]
    assert parsing.format_offset(timedelta(minutes=90)) == "90m"


@pytest.mark.parametrize("value", ["14", "d7", "7w", "0m", "400d", "7d,7d", "", "1.5d"])
def test_malformed_offsets_are_refused(value):
    with pytest.raises(InvalidInput):
        parsing.parse_offsets(value)


def test_cadence():
    assert parsing.parse_cadence("3m") == 3
    assert parsing.parse_cadence("6M") == 6
    with pytest.raises(InvalidInput):
        parsing.parse_cadence("12m")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120000", 120000),
        ("120,000", 120000),
        ("120 000", 120000),
        ("120\u202f000", 120000),
        ("١٢٠٠٠٠", 120000),
        ("1.200.000", 1200000),
        ("0", 0),
    ],
)
def test_amounts_accept_local_separators_and_digits(value, expected):
    assert parsing.parse_amount(value, "baseline") == expected


@pytest.mark.parametrize("value", ["-5", "12a", "", "1e6", "½"])
def test_bad_amounts_name_the_field(value):
    with pytest.raises(InvalidInput) as error:
        parsing.parse_amount(value, "cleared")
    assert error.value.params == {"value": value, "field": "cleared"}
