"""Period labels as the sources write them, and the one freshness rule every page applies.

A figure is an *old figure* when its period ended more than :data:`OLD_AFTER_YEARS` years before the pack date.
Every page, table and key message asks :func:`is_old` (or :func:`freshness_note`) instead of deciding for itself.

Labels understood (as stored in the indicator table):

==================  ===========================================  ====================
label               meaning                                      period ends
==================  ===========================================  ====================
``2021``            calendar year                                31 December 2021
``2016/17``         financial year (April to March)              31 March 2017
``2019-20``         financial year, NHS style                    31 March 2020
``FYE 2025``        financial year ending March 2025             31 March 2025
``2016-18``         calendar years pooled                        31 December 2018
``2019-23``         calendar years pooled                        31 December 2023
``2013/14-15/16``   financial years pooled                       31 March 2016
``Oct-Dec 2023``    quarter                                      31 December 2023
``2023/24 Q1``      quarter of a financial year (Q1 April-June)  30 June 2023
``Mar 2024``        month                                        31 March 2024
``mid-2020``        mid-year estimate (30 June)                  30 June 2020
``31 March 2021``   a single day                                 that day
``2019, 2020 and    calendar years pooled, not consecutive       31 December 2022
2022``
==================  ===========================================  ====================

:func:`pooled_years_label` writes the label of calendar years pooled: a range only when they are consecutive.
"""

from __future__ import annotations

import calendar
import os
import re
from datetime import date

__all__ = ["OLD_AFTER_YEARS", "OLD_MARK", "pack_date", "period_end", "sort_key", "is_old", "age_years",
           "freshness_note", "ended_label", "pooled_years_label"]

#: A figure whose period ended more than this many years before the pack date is flagged as old.
OLD_AFTER_YEARS = 3
#: The words shown beside an old figure.
OLD_MARK = "old figure"

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_name) if name})

_YEAR = re.compile(r"^(\d{4})$")
_FINANCIAL = re.compile(r"^(\d{4})/(\d{2})$")
_FINANCIAL_DASH = re.compile(r"^(\d{4})-(\d{2})$")
_POOLED_FINANCIAL = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(?:(\d{2})|(\d{4}))/(\d{2})$")
_FYE = re.compile(r"^FYE\s*(\d{4})$", re.IGNORECASE)
_QUARTER = re.compile(r"^([A-Za-z]{3})\s*-\s*([A-Za-z]{3})\s+(\d{4})$")
_FINANCIAL_QUARTER = re.compile(r"^(\d{4})/(\d{2})\s+Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^([A-Za-z]+)\s+(\d{4})$")
_MID_YEAR = re.compile(r"^mid-(\d{4})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})$")
_YEAR_LIST = re.compile(r"^\d{4}(?:, \d{4})* and (\d{4})$")


def pack_date() -> date:
    """The date a pack is produced: today, or ``NBUTILS_PACK_DATE`` (ISO date) for reproducible builds."""
    override = os.environ.get("NBUTILS_PACK_DATE")
    return date.fromisoformat(override) if override else date.today()


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _century(first: int, two_digits: int) -> int:
    """Second year of '2016/17' or '2019-20' (handles '1999/00')."""
    year = first // 100 * 100 + two_digits
    return year + 100 if year < first else year


def period_end(label: str) -> date:
    """The last day of the period a label names.

    Parameters
    ----------
    label : str
        A period as stored, e.g. ``"2016/17"``, ``"2016-18"``, ``"Oct-Dec 2023"``.

    Raises
    ------
    ValueError
        For a label in none of the forms listed in the module docstring.

    Examples
    --------
    >>> period_end("2016/17")
    datetime.date(2017, 3, 31)
    >>> period_end("2016-18")
    datetime.date(2018, 12, 31)
    >>> period_end("2019-20")
    datetime.date(2020, 3, 31)
    >>> period_end("Oct-Dec 2023")
    datetime.date(2023, 12, 31)
    """
    text = str(label).strip()
    if match := _YEAR.match(text):
        return date(int(match[1]), 12, 31)
    if match := _FINANCIAL.match(text):
        return date(_century(int(match[1]), int(match[2])), 3, 31)
    if match := _FINANCIAL_DASH.match(text):
        first, last = int(match[1]), _century(int(match[1]), int(match[2]))
        # '2019-20' is one NHS financial year; '2016-18' is three calendar years pooled.
        return date(last, 3, 31) if last == first + 1 else date(last, 12, 31)
    if match := _POOLED_FINANCIAL.match(text):
        start = int(match[1])
        last_start = int(match[4]) if match[4] else _century(start, int(match[3]))
        return date(_century(last_start, int(match[5])), 3, 31)
    if match := _FYE.match(text):
        return date(int(match[1]), 3, 31)
    if (match := _QUARTER.match(text)) and match[2].lower() in _MONTHS:
        return _month_end(int(match[3]), _MONTHS[match[2].lower()])
    if match := _FINANCIAL_QUARTER.match(text):
        # Q1 is April-June of the first year; Q4 is January-March of the second.
        quarter, first = int(match[3]), int(match[1])
        return _month_end(first + 1, 3) if quarter == 4 else _month_end(first, 3 + 3 * quarter)
    if (match := _MONTH.match(text)) and match[1].lower() in _MONTHS:
        return _month_end(int(match[2]), _MONTHS[match[1].lower()])
    if match := _MID_YEAR.match(text):
        return date(int(match[1]), 6, 30)
    if (match := _DAY.match(text)) and match[2].lower() in _MONTHS:
        return date(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    if match := _YEAR_LIST.match(text):
        return date(int(match[1]), 12, 31)
    raise ValueError(f"period label {label!r} is not in a known form (e.g. 2021, 2016/17, 2016-18, Oct-Dec 2023)")


def pooled_years_label(years) -> str:
    """The label of calendar years pooled: '2019-21' when three or more are consecutive, else each year named
    (two years are named: '2016-17' would read as a financial year).

    Examples
    --------
    >>> pooled_years_label([2021, 2022, 2023]), pooled_years_label(["2019", "2020", "2022"]), pooled_years_label([2023])
    ('2021-23', '2019, 2020 and 2022', '2023')
    >>> pooled_years_label([2016, 2017])
    '2016 and 2017'
    """
    numbers = sorted(int(y) for y in years)
    if not numbers:
        raise ValueError("no years to label")
    if len(numbers) == 1:
        return str(numbers[0])
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{str(numbers[-1])[-2:]}"
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def sort_key(label: str) -> tuple:
    """Sort periods by when they end (unknown labels last, alphabetically)."""
    try:
        return (0, period_end(label), str(label))
    except ValueError:
        return (1, date.max, str(label))


def age_years(label: str, on: date | None = None) -> float:
    """Years between the end of the period and ``on`` (default: the pack date)."""
    on = on or pack_date()
    return (on - period_end(label)).days / 365.25


def is_old(label: str, on: date | None = None) -> bool:
    """True when the period ended more than :data:`OLD_AFTER_YEARS` years before ``on`` (default: pack date).

    Examples
    --------
    >>> is_old("2018/19", on=date(2026, 12, 2))
    True
    >>> is_old("2023/24", on=date(2026, 12, 2))
    False
    >>> is_old("2022-24", on=date(2026, 12, 2))
    False
    """
    on = on or pack_date()
    end = period_end(label)
    try:
        limit = end.replace(year=end.year + OLD_AFTER_YEARS)
    except ValueError:  # 29 February
        limit = end.replace(year=end.year + OLD_AFTER_YEARS, day=28)
    return on > limit


def ended_label(label: str) -> str:
    """'March 2017' for '2016/17': the month the period ended, for sentences."""
    end = period_end(label)
    return f"{calendar.month_name[end.month]} {end.year}"


def freshness_note(label: str, on: date | None = None) -> str:
    """'' for a current figure; otherwise '(old figure: period ended March 2017)' for messages and tables.

    Unknown labels give '' (the caller shows the label itself, so nothing is hidden).

    Examples
    --------
    >>> freshness_note("2016-18", on=date(2026, 12, 2))
    '(old figure: period ended December 2018)'
    """
    try:
        old = is_old(label, on)
    except ValueError:
        return ""
    return f"({OLD_MARK}: period ended {ended_label(label)})" if old else ""


def long_date(iso: str) -> str:
    """'2024-07-02' as '2 July 2024'."""
    day = date.fromisoformat(str(iso)[:10])
    return f"{day.day} {day:%B %Y}"
