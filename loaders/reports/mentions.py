"""Shared reading rules: what a count counts and where a clause ends.

``noun_of`` looks at the words after a count ('12 civilians', '14 WFP trucks', 'a 13-truck convoy',
'two of the trucks', '7 of them children').
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.reports.analysis import Sent
from loaders.reports.numbers import Num
from loaders.reports.vocab import vocab

_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*|[,;:()\[\]—–]|\S")
# Words that may stand between a count and its noun: '433 likely civilian deaths', '14 WFP trucks'.
_MODIFIERS = re.compile(
    r"^(?:and|or|more|other|likely|civilian|additional|further|new|empty|loaded|aid|relief|food|humanitarian|"
    r"wounded|injured|dead|displaced|local|young|elderly|pregnant|innocent|unarmed|foreign|small|"
    r"government|opposition|armed|rebel|regime|enemy|security|army|allied|militia|state|military|"
    r"[A-Z][\w'’]*(?:-[\w'’]+)*|[a-z]+-(?:government|backed|based|aligned|affiliated)|pro-\w+)$"
)
_CLAUSE_BREAK = re.compile(r"[;]|\s[-–—]\s|\.\s")


@dataclass(frozen=True, slots=True)
class Noun:
    """What a count counts. ``kind``: person, family, military, truck, bus, item, or None."""

    kind: str | None
    word: str
    end: int  # where the noun phrase ends in the sentence
    partitive: bool = False  # 'two of the trucks', 'five of its soldiers'
    of_them: bool = False  # '7 of them children', '304 of them children'


def _category(rest: str) -> tuple[str | None, int]:
    """(kind, length of the noun) for the noun at the start of ``rest``."""
    v = vocab()
    for name, pattern in (("truck", v.truck), ("bus", v.bus), ("military", v.military), ("family", v.family),
                          ("person", v.person), ("item", v.item)):  # fmt: skip
        m = pattern.match(rest)
        if m:
            return name, m.end()
    return None, 0


def noun_of(sent: Sent, num: Num) -> Noun:
    """Classify the words after ``num`` in ``sent``."""
    text = sent.text
    pos = num.end
    if text[pos : pos + 1] == "-":  # '13-truck', 'nine-day'
        pos += 1
        kind, _ = _category(text[pos:])
        head = re.match(r"[\w'’]+", text[pos:])
        return Noun(kind, head.group() if head else "", pos + (head.end() if head else 0))
    rest = text[pos:]
    m = re.match(r"\s+of\s+(them|whom|those|which)\b", rest, re.I)
    if m:
        return Noun(None, m.group(1), pos + m.end(), of_them=True)
    m = re.match(r"\s+of\s+(?:the|its|their|his|her|our)\s+", rest, re.I)
    partitive = bool(m)
    if m:
        pos += m.end()
        victims = re.match(r"(dead|killed|wounded|injured|victims|casualties|fatalities)\b", text[pos:], re.I)
        if victims:  # 'seven of the dead were civilians'
            return Noun(None, victims.group(1), pos + victims.end(), partitive=True)
    elif num.vague and (of := re.match(r"\s+of\s+", rest)):
        pos += of.end()  # 'dozens of people', 'hundreds of thousands of civilians'
    for skipped, tok in enumerate(_WORD.finditer(text, pos)):
        word = tok.group()
        kind, length = _category(text[tok.start() :])
        if kind:
            return Noun(kind, word, tok.start() + length, partitive=partitive)
        if skipped >= 3 or not _MODIFIERS.match(word):
            return Noun(None, word, tok.start(), partitive=partitive)
    return Noun(None, "", len(text), partitive=partitive)


def clause_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``start``..``end``: bounded by ';', a dash, or the sentence."""
    left = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, start):
        left = m.end()
    stop = _CLAUSE_BREAK.search(text, end)
    return left, stop.start() if stop else len(text)
