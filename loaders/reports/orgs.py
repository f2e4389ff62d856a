"""Organisations named in prose, resolved to short names through the alias table
(``loaders/vocab/organisations.csv``): 'the U.N. refugee agency' -> UNHCR, 'UN-SARC' -> UN + SARC.

Names that mean one organisation only in one country ('Red Crescent': SARC in Syria, PRCS in
Palestine) resolve with the country of the place the fact is about; without one they stay as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from loaders.gazetteer import builtin_organisations

# Hyphens and slashes split names here ('UN-SARC', 'UN/SARC', 'WFP-supported').
_TOKEN = re.compile(r"[\w'’.&]+")
OPERATOR_KINDS = {"un", "ngo", "ingo", "rcrc"}


@dataclass(frozen=True, slots=True)
class OrgMention:
    start: int
    end: int
    text: str
    short: str | None  # None when the name depends on a country we do not know
    kind: str | None
    by_country: tuple[tuple[str, str], ...] = ()  # (ISO3, short) for country-bound names

    def resolve(self, country: str | None) -> str:
        if self.short:
            return self.short
        for iso, short in self.by_country:
            if iso == country:
                return short
        return self.text


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return text


def _key(tokens: list[str]) -> str:
    return " ".join(
        _fold(re.sub(r"(?:['’]s|\.)$", "", t) if not re.fullmatch(r"(?:[A-Z]\.)+", t) else t) for t in tokens
    )


class OrgMatcher:
    """Finds organisations in text; built once (``org_matcher()``)."""

    def __init__(self) -> None:
        self.index: dict[str, tuple[str | None, str | None, bool, tuple[tuple[str, str], ...]]] = {}
        country_bound: dict[str, list[tuple[str, str]]] = {}
        capitalised: dict[str, bool] = {}
        kinds = {}
        for org in builtin_organisations():
            kinds[org.short_name] = org.kind
            for alias in (org.short_name, org.full_name, *org.aliases):
                self._add(alias, org.short_name, org.kind)
            for alias, iso in org.country_aliases:
                country_bound.setdefault(self._alias_key(alias), []).append((iso, org.short_name))
                capitalised[self._alias_key(alias)] = alias[:1].isupper()
        for key, pairs in country_bound.items():
            if key not in self.index:
                kind = kinds.get(pairs[0][1])
                # A capitalised name ('Red Crescent') must be written capitalised to count.
                self.index[key] = (None, kind, capitalised[key], tuple(pairs))
        # Longest alias for each first word: most words start no alias and are skipped at once.
        self.longest: dict[str, int] = {}
        for key in self.index:
            words = key.split()
            self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))

    @staticmethod
    def _alias_key(alias: str) -> str:
        tokens = _TOKEN.findall(alias)
        if len(tokens) > 1 and tokens[0].lower() == "the":
            tokens = tokens[1:]  # 'the UN' is matched as 'UN', so 'the UN agency for ...' can win
        return _key(tokens)

    def _add(self, alias: str, short: str, kind: str | None) -> None:
        key = self._alias_key(alias)
        if not key or key in self.index:
            return
        # Acronyms match in capitals only: 'WHO', not 'who'; 'CARE', not 'care'.
        exact = bool(re.fullmatch(r"[A-Z]{2,6}", alias))
        self.index[key] = (short, kind, exact, ())

    def find(self, text: str) -> list[OrgMention]:
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        folded = [_key([t[2]]) for t in tokens]
        found: list[OrgMention] = []
        i = 0
        while i < len(tokens):
            longest = self.longest.get(folded[i], 0)
            if not longest or folded[i] == "the":
                i += 1
                continue
            for n in range(min(longest, len(tokens) - i), 0, -1):
                entry = self.index.get(" ".join(folded[i : i + n]))
                if entry is None:
                    continue
                short, kind, exact, by_country = entry
                start, end = tokens[i][0], tokens[i + n - 1][1]
                raw = re.sub(r"(?:['’]s|\.)$", "", text[start:end])
                if short and exact and not re.fullmatch(r"[A-Z]{2,6}", raw):
                    continue
                if not short and exact and not raw[:1].isupper():
                    continue  # 'red crescent' in running text is not a name
                found.append(OrgMention(start, start + len(raw), raw, short, kind, by_country))
                i += n
                break
            else:
                i += 1
        return found


@lru_cache(maxsize=1)
def org_matcher() -> OrgMatcher:
    return OrgMatcher()
