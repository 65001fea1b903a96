"""The date field list filters share: any date it accepts can be turned into the start of
that day and of the next in any time zone; any other date is a form error, not a crash."""

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest

from cophub.core.forms import FilterDateField, Form


class DateFilterForm(Form):
    day = FilterDateField()


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2200-01-01", "1899-12-31"])
def test_filter_date_outside_the_range_is_a_form_error(value):
    form = DateFilterForm({"day": value})
    assert not form.is_valid()
    assert form.errors["day"] == ["Enter a date between 1 January 1900 and 31 December 2199."]


def test_filter_date_is_optional_and_refuses_what_is_not_a_date():
    assert DateFilterForm({"day": ""}).is_valid()
    assert not DateFilterForm({"day": "10000-01-01"}).is_valid()
    assert not DateFilterForm({"day": "2026-02-30\x00"}).is_valid()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
def test_filter_date_ends_can_start_a_day_and_the_next_in_any_zone(zone):
    for value in (FilterDateField.MIN, FilterDateField.MAX):
        form = DateFilterForm({"day": value.isoformat()})
        assert form.is_valid()
        for day in (form.cleaned_data["day"], form.cleaned_data["day"] + timedelta(days=1)):
            start = datetime.combine(day, time(), tzinfo=zoneinfo.ZoneInfo(zone))
            assert start.astimezone(zoneinfo.ZoneInfo("UTC")).date() >= date(1899, 12, 30)
