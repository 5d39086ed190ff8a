"""Is a literal's lexical form in its XSD datatype's lexical space? (XML Schema 1.1 Part 2.)

Covers the numeric, boolean, date/time, duration and binary datatypes; literals of other
datatypes (strings, IRIs, language-tagged strings, datatypes outside XSD) are not checked.
Results are remembered for recently seen (value, datatype) pairs: data repeats its values.
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"(?P<y>-?(?:[1-9]\d{4,}|\d{4}))"
_MONTH, _DAY = r"(?P<m>\d{2})", r"(?P<d>\d{2})"
_TIME = r"(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)"
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_FLOAT = rf"(?:{_DECIMAL}(?:[eE][+-]?\d+)?|[+-]?INF|NaN)"
_DAY_TIME = r"(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"

PATTERNS: dict[str, re.Pattern[str]] = {name: re.compile(pattern) for name, pattern in {
    "decimal": _DECIMAL, "float": _FLOAT, "double": _FLOAT, "boolean": r"true|false|1|0",
    "date": rf"{_YEAR}-{_MONTH}-{_DAY}{_TZ}", "dateTime": rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}",
    "dateTimeStamp": rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}(?:Z|[+-]\d{{2}}:\d{{2}})",
    "time": rf"{_TIME}{_TZ}", "gYear": rf"{_YEAR}{_TZ}", "gYearMonth": rf"{_YEAR}-{_MONTH}{_TZ}",
    "gMonth": rf"--{_MONTH}{_TZ}", "gDay": rf"---{_DAY}{_TZ}", "gMonthDay": rf"--{_MONTH}-{_DAY}{_TZ}",
    "duration": rf"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?{_DAY_TIME}",
    "yearMonthDuration": r"-?P(?=\d)(?:\d+Y)?(?:\d+M)?",
    "dayTimeDuration": rf"-?P(?=\d|T\d){_DAY_TIME}",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
    "base64Binary": r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
}.items()}

#: Integer types and their (inclusive) ranges; None = unbounded.
INTEGERS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1), "short": (-2**15, 2**15 - 1),
    "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 65535), "unsignedByte": (0, 255),
}
_INT = re.compile(r"[+-]?\d+")


def _valid_parts(parts: dict[str, str | None]) -> bool:
    """Month 1-12 and a day that exists in that month (29 February only in leap years; a
    day without a year may be 29 February)."""
    month, day = parts.get("m"), parts.get("d")
    if month is not None and not 1 <= int(month) <= 12:
        return False
    if day is None:
        return True
    year = int(parts["y"]) if parts.get("y") else 2000
    leap = calendar.isleap(year if year > 0 else year + 1)  # XSD 1.1: year 0 is 1 BCE
    if month is None:
        days = 31
    else:
        days = 29 if int(month) == 2 and leap else calendar.monthrange(2001, int(month))[1]
    return 1 <= int(day) <= days


@lru_cache(maxsize=65536)
def valid_lexical(value: str, datatype: str) -> bool:
    """True when ``value`` is in the lexical space of ``datatype`` (or it is not checked)."""
    if not datatype.startswith(XSD):
        return True
    name = datatype[len(XSD):]
    if name in INTEGERS:
        if not _INT.fullmatch(value):
            return False
        low, high = INTEGERS[name]
        number = int(value)
        return (low is None or number >= low) and (high is None or number <= high)
    pattern = PATTERNS.get(name)
    if pattern is None:
        return True
    if name == "base64Binary":
        value = re.sub(r"\s", "", value)
    match = pattern.fullmatch(value)
    return match is not None and _valid_parts(match.groupdict())


def ill_typed(literal: ox.Literal) -> bool:
    """Whether ``literal`` has an XSD datatype and a lexical form outside its space."""
    return not valid_lexical(literal.value, literal.datatype.value)
