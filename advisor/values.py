"""Checks of single values people type wrongly: handles, country codes, age brackets, text that is not text.

Kept apart from the profile reader so that anything else taking such a value (a `--country` option, a caller of
the API) can hold it to the same rules and the same wording. Each check returns the problem as a sentence, or None.
"""

from __future__ import annotations

import re
import unicodedata

import pycountry

MAX_HANDLE = 64
_BRACKET = re.compile(r"(\d{1,3})-(\d{1,3})|\d{1,3}\+")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW XK""".split())
"""ISO 3166-1 alpha-2 codes in use, plus XK (Kosovo), which platforms use though ISO has not assigned it."""


FIX_HINT = " (--fix writes it)"


def handle_fix(handle: str) -> str | None:
    """The handle as it must be written when the change is certain: '@maya' -> 'maya'; else None."""
    if handle.startswith("@") and handle.lstrip("@") and handle_problem(handle.lstrip("@")) is None:
        return handle.lstrip("@")
    return None


def country_fix(code: str) -> str | None:
    """The ISO code meant when it is certain: 'us' -> 'US', 'UK' or 'uk' -> 'GB'; else None."""
    if code in COUNTRIES:
        return None
    if code.upper() in COUNTRIES:
        return code.upper()
    return "GB" if code.upper() == "UK" else None


def handle_problem(handle: str) -> str | None:
    """What is wrong with a handle, with the exact fix where it is certain; None when it is fine."""
    if not handle:
        return "must not be empty"
    if handle.startswith("@"):
        fixed = handle_fix(handle)
        return f"write the handle without the leading '@': {handle.lstrip('@')!r}" + (FIX_HINT if fixed else "")
    if len(handle) > MAX_HANDLE:
        return f"is longer than {MAX_HANDLE} characters"
    control = next((ch for ch in handle if unicodedata.category(ch) == "Cc"), None)
    return f"contains a control character (U+{ord(control):04X})" if control else None


def country_name(code: str) -> str:
    """A country's common English name ("South Korea", "Vietnam") from its ISO 3166-1 alpha-2 code, for sentences
    a creator reads; the code itself when pycountry does not know it."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _SHORT_NAMES.get(code) or getattr(country, "common_name", None) or country.name


# Where ISO's name is not what people say: "Korea, Republic of", "Viet Nam", "United States of America"...
_SHORT_NAMES = {"KR": "South Korea", "KP": "North Korea", "VN": "Vietnam", "US": "the United States",
                "GB": "the United Kingdom", "RU": "Russia", "IR": "Iran", "SY": "Syria", "LA": "Laos",
                "MD": "Moldova", "VE": "Venezuela", "BO": "Bolivia", "TZ": "Tanzania", "CZ": "Czechia",
                "NL": "the Netherlands", "PH": "the Philippines", "AE": "the United Arab Emirates"}


def country_problem(code: str) -> str | None:
    """What is wrong with a country code (ISO 3166-1 alpha-2), with the exact fix where it is certain; None
    when it is fine."""
    if code in COUNTRIES:
        return None
    if code.upper() in COUNTRIES:
        return f"write country codes in upper case: {code.upper()!r}, not {code!r}{FIX_HINT}"
    if code.upper() == "UK":
        return f"{code!r} is not an ISO 3166-1 code; the United Kingdom is 'GB'{FIX_HINT}"
    return f"{code!r} is not an ISO 3166-1 alpha-2 country code (two upper-case letters, like 'US' or 'DE')"


def bracket_problem(bracket: str) -> str | None:
    """What is wrong with an audience age bracket (`18-24`, `55+`); None when it is fine."""
    match = _BRACKET.fullmatch(bracket)
    if match and (not match.group(1) or int(match.group(1)) <= int(match.group(2))):
        return None
    return f"age bracket {bracket!r} must be written like '18-24' or '55+'"


def text_problem(text: str) -> str | None:
    """A lone surrogate (U+D800-U+DFFF, which a mapping from JSON or Python can hold) is not text: it cannot be
    written as UTF-8, so a report showing it could not be saved."""
    found = LONE_SURROGATE.search(text)
    if found is None:
        return None
    return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not valid Unicode text"
