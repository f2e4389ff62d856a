"""Country names and codes to ISO3, offline (pycountry ships the ISO 3166 tables)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

from loaders.normalise.text import fold

# Names used by humanitarian datasets that ISO 3166 spells differently.
_ALIASES = {
    "syria": "SYR",
    "syrian arab republic": "SYR",
    "palestine": "PSE",
    "occupied palestinian territory": "PSE",
    "opt": "PSE",
    "gaza": "PSE",
    "gaza strip": "PSE",
    "west bank": "PSE",
    "state of palestine": "PSE",
    "palestinian territories": "PSE",
    "iran": "IRN",
    "russia": "RUS",
    "south korea": "KOR",
    "north korea": "PRK",
    "dr congo": "COD",
    "drc": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "congo kinshasa": "COD",
    "congo brazzaville": "COG",
    "republic of congo": "COG",
    "ivory coast": "CIV",
    "cote d'ivoire": "CIV",
    "laos": "LAO",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "tanzania": "TZA",
    "moldova": "MDA",
    "vietnam": "VNM",
    "kosovo": "XKX",
    "turkey": "TUR",
    "turkiye": "TUR",
    "burma": "MMR",
    "myanmar": "MMR",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "east timor": "TLS",
    "micronesia": "FSM",
    "bosnia": "BIH",
    "bosnia herzegovina": "BIH",
    "bosnia and herzegovina": "BIH",
    "central african rep": "CAF",
    "car": "CAF",
    "south sudan": "SSD",
    "sudan": "SDN",
    "yemen": "YEM",
    "libya": "LBY",
    "libyan arab jamahiriya": "LBY",
    "occupied palestinian territories": "PSE",
    "chechnya": "RUS",
}


@lru_cache(maxsize=4096)
def country_iso3(name: str | None) -> str | None:
    """ISO3 for a country name, ISO2/ISO3 code or numeric code; None when unknown."""
    if not name or not str(name).strip():
        return None
    text = str(name).strip()
    key = fold(text)
    if key in _ALIASES:
        return _ALIASES[key]
    if text.isdigit():
        found = pycountry.countries.get(numeric=text.zfill(3))
        return found.alpha_3 if found else None
    if len(text) in (2, 3) and text.isalpha():
        code = text.upper()
        found = (
            pycountry.countries.get(alpha_2=code) if len(code) == 2 else pycountry.countries.get(alpha_3=code)
        )
        if found:
            return found.alpha_3
    try:
        return pycountry.countries.lookup(text).alpha_3
    except LookupError:
        pass
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and fold(value) == key:
                return country.alpha_3
    return None


def country_name(iso3: str | None) -> str | None:
    if not iso3:
        return None
    if iso3 == "XKX":
        return "Kosovo"
    found = pycountry.countries.get(alpha_3=iso3)
    return getattr(found, "common_name", None) or (found.name if found else None)
