"""Countries as ISO 3166-1 alpha-2 codes: what a nationality (and a residence or a country of incorporation) is
written as. The codes and English names are CLDR's (through Babel), without CLDR's regions and reserved codes
that name no country (EU, UN, ZZ …); Kosovo's user-assigned XK is kept, since passports and banks use it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from babel import Locale

from fidus_desktop.errors import UserError

NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
"""CLDR territories that are regions, reserved or exceptionally reserved codes, not ISO 3166-1 countries."""
MAX_NATIONALITIES = 4


class CountryError(UserError, ValueError):
    """A country code that is not ISO 3166-1 alpha-2 (the message names it and gives an example)."""


@cache
def country_names() -> dict[str, str]:
    """Every accepted code with its English name (``{"DE": "Germany", …}``)."""
    return {code: name for code, name in Locale("en").territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES}


def is_country(code: str) -> bool:
    return code in country_names()


def country_codes(value: str | Iterable[str] | None, what: str = "nationality") -> tuple[str, ...]:
    """``"de, fr"`` or ``["DE", "FR"]`` → ``("DE", "FR")``: trimmed, upper-cased, in the order given, repeats
    dropped; empty or None → ``()``. A CountryError names every code that is not a country."""
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value or ())
    codes = tuple(dict.fromkeys(str(p).strip().upper() for p in parts if str(p).strip()))
    bad = [c for c in codes if not is_country(c)]
    if bad:
        raise CountryError(f"{', '.join(repr(c) for c in bad)} {'is' if len(bad) == 1 else 'are'} not "
                           f"{'an ISO country code' if len(bad) == 1 else 'ISO country codes'}: give the "
                           f"{what} as two letters, e.g. DE or FR (several separated by commas).")
    if len(codes) > MAX_NATIONALITIES:
        raise CountryError(f"At most {MAX_NATIONALITIES} {what} codes, not {len(codes)}.")
    return codes


def countries_text(codes: Iterable[str]) -> str:
    """``("DE", "FR")`` → ``"DE (Germany), FR (France)"``, for screens and reports."""
    names = country_names()
    return ", ".join(f"{c} ({names[c]})" if c in names else c for c in codes)
