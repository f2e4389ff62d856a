"""Counts as prose writes them: '1,000', '1 000', '1.09 million', 'Forty-seven', 'a dozen',
'between 50 and 70', '940-1,000', 'some 12,000', 'at least six', 'dozens'.

``find_numbers(text)`` returns every count in a piece of text as a :class:`Num` with its span, its
value (or low-high range), its qualifier and its wording. What the count counts (people, trucks,
days) is decided by the caller, which looks at the words after ``Num.end``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from loaders.records import Qualifier, Quantity

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_SHORT_SCALES = {"k": 1000, "m": 1_000_000, "bn": 1_000_000_000, "mn": 1_000_000}
_WORDS = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "dozen", "and", "a", "half"], key=len, reverse=True))

_DIGIT_RE = re.compile(
    r"(?<![\w.,/:])(\d{1,3}(?:,\d{3})+(?![\d,]\d)|\d{1,3}(?:[\u00a0\u202f\u2009 ]\d{3})+(?![\d])"
    r"|\d{1,3}(?:\.\d{3})+(?![\d.])|\d+(?:\.\d+)?)"
    r"(?:\s*(million|billion|thousand|mn|bn|m|k)\b)?(?!\s*%|\d|:\d|(?:st|nd|rd|th)\b)"
)
_WORD_RE = re.compile(rf"(?<![\w-])(?:{_WORDS})(?:(?:[\s-]+)(?:{_WORDS}))*(?!\w)", re.I)
_VAGUE_RE = re.compile(
    r"(?<![\w-])(?:(?:several|a few|many) (?:hundreds?|thousands?|dozens?)(?: of thousands)?"
    r"|(?:tens|hundreds) of thousands|dozens|scores|hundreds|thousands|several|a number of|a handful of"
    r"|a few|a small number of)(?![\w-])",
    re.I,
)
_QUALIFIERS: list[tuple[str, str]] = [
    (r"at least|no fewer than|no less than|a minimum of|not less than|upwards of", Qualifier.AT_LEAST),
    (r"more than|over|just over|in excess of|above|over some|well over|slightly more than", Qualifier.MORE_THAN),
    (r"about|around|some|approximately|approx\.?|roughly|an estimated|estimated|circa|ca\.|~|about some"
     r"|some estimated|an approximate|close on|or so", Qualifier.ABOUT),
    (r"nearly|almost|close to|just under|fewer than|less than|under", Qualifier.NEARLY),
    (r"up to|as many as|as much as|a maximum of|no more than", Qualifier.UP_TO),
]  # fmt: skip
_QUAL_RE = [(re.compile(rf"(?<![\w-])(?:{p})\s*$", re.I), q) for p, q in _QUALIFIERS]
_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|to|or)\s*$", re.I)
_BETWEEN = re.compile(r"(?:between|from)\s+$", re.I)


@dataclass(frozen=True, slots=True)
class Num:
    """One count in a text: span of the whole wording (qualifier included) and its value."""

    start: int
    end: int
    value: int | None
    low: int | None = None
    high: int | None = None
    qualifier: str | None = None
    text: str = ""
    core_start: int = 0  # where the figure itself begins (after the qualifier)
    is_word: bool = False  # spelled out ("six"), as opposed to digits

    @property
    def vague(self) -> bool:
        return self.qualifier == Qualifier.VAGUE

    @property
    def lower(self) -> int | None:
        return self.value if self.value is not None else self.low

    def quantity(self, text: str | None = None) -> Quantity:
        return Quantity(
            value=self.value, low=self.low, high=self.high, qualifier=self.qualifier, text=text or self.text
        )


def _digit_value(token: str, scale: str | None) -> int | None:
    raw = token.replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "").replace(" ", "")
    if "," in raw:
        raw = raw.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw) and not scale:
        raw = raw.replace(".", "")  # 1.000 written the continental way
    factor = 1
    if scale:
        factor = _SCALES.get(scale.lower()) or _SHORT_SCALES.get(scale.lower(), 1)
    number = float(raw) * factor
    if number != int(number):
        return None  # 2.5 people is not a count
    return int(number)


def words_value(words: list[str]) -> int | None:
    """['two', 'hundred'] -> 200; ['a', 'dozen'] -> 12; ['half', 'a', 'million'] -> 500000."""
    total = current = 0
    seen = False
    half = False
    for word in words:
        w = word.lower()
        if w in _UNITS:
            current += _UNITS[w]
            seen = True
        elif w in _TENS:
            current += _TENS[w]
            seen = True
        elif w == "dozen":
            current = (current or 1) * 12
            seen = True
        elif w == "hundred":
            current = (current or 1) * 100
            seen = True
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
            seen = True
        elif w == "half":
            half = True
        elif w not in {"a", "and"}:
            return None
    if not seen:
        return None
    value = total + current
    return value // 2 if half else value


def _word_atoms(text: str) -> list[tuple[int, int, int]]:
    """(start, end, value) for spelled-out numbers; 'five and five' stays two numbers."""
    atoms = []
    for m in _WORD_RE.finditer(text):
        tokens = [
            (t.start() + m.start(), t.end() + m.start(), t.group())
            for t in re.finditer(r"[A-Za-z]+", m.group())
        ]
        for group in _split_word_tokens(tokens):
            words = [g[2].lower() for g in group]
            value = words_value(words)
            counted = any(w in _UNITS or w in _TENS or w == "dozen" for w in words) or words[0] in {
                "a",
                "half",
            }
            if value is not None and counted:
                atoms.append((group[0][0], group[-1][1], value))
    return atoms


def _split_word_tokens(tokens: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    groups: list[list[tuple[int, int, str]]] = [[]]
    for i, tok in enumerate(tokens):
        word = tok[2].lower()
        prev = groups[-1][-1][2].lower() if groups[-1] else ""
        nxt = tokens[i + 1][2].lower() if i + 1 < len(tokens) else ""
        if word == "and" and prev not in {"hundred", "thousand", "million"}:
            groups.append([])
            continue
        if word == "a" and nxt not in {"dozen", "hundred", "thousand", "million", "billion"}:
            groups.append([])
            continue
        if word == "half" and nxt != "a":
            groups.append([])
            continue
        units_after_units = prev in _UNITS and (word in _UNITS or word in _TENS)
        if units_after_units:
            groups.append([])
        groups[-1].append(tok)
    cleaned = []
    for g in groups:
        while g and g[-1][2].lower() in {"and", "a", "half"}:
            g = g[:-1]
        if g:
            cleaned.append(g)
    return cleaned


def _atoms(text: str, masked: list[tuple[int, int]]) -> list[Num]:
    found: list[Num] = []
    for m in _DIGIT_RE.finditer(text):
        if m.start() >= 2 and re.match(r"[A-Za-z]-", text[m.start() - 2 : m.start()]):
            continue  # an identifier such as WFP-01 or COVID-19
        value = _digit_value(m.group(1), m.group(2))
        if value is not None:
            found.append(Num(m.start(), m.end(), value, text=m.group(), core_start=m.start()))
    for m in _VAGUE_RE.finditer(text):
        if not _overlaps(found, m.start(), m.end()):
            found.append(
                Num(m.start(), m.end(), None, qualifier=Qualifier.VAGUE, text=m.group(), core_start=m.start())
            )
    for start, end, value in _word_atoms(text):
        if not _overlaps(found, start, end):
            found.append(Num(start, end, value, text=text[start:end], core_start=start, is_word=True))
    found = [n for n in found if not any(s <= n.start < e or s < n.end <= e for s, e in masked)]
    return sorted(found, key=lambda n: n.start)


def _overlaps(found: list[Num], start: int, end: int) -> bool:
    return any(n.start < end and start < n.end for n in found)


def _with_ranges(text: str, atoms: list[Num]) -> list[Num]:
    merged: list[Num] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        b = atoms[i + 1] if i + 1 < len(atoms) else None
        if b is not None and a.value is not None and b.value is not None:
            between = text[a.end : b.start]
            opener = _BETWEEN.search(text[max(0, a.start - 9) : a.start])
            joined = bool(_RANGE_SEP.match(between)) or bool(opener and re.fullmatch(r"\s+and\s+", between))
            low = a.value
            scale = _scale_of(b)
            if scale > 1 and _scale_of(a) == 1 and low * scale <= b.value:
                low *= scale  # "two to three million"
            if joined and low < b.value and not re.fullmatch(r"\s*or\s*", between, re.I):
                start = a.start - len(opener.group()) - 0 if opener else a.start
                start = text.rfind(opener.group().strip(), 0, a.start) if opener else a.start
                merged.append(
                    Num(
                        start,
                        b.end,
                        None,
                        low,
                        b.value,
                        text=text[start : b.end],
                        core_start=start,
                        is_word=a.is_word,
                    )
                )
                i += 2
                continue
        merged.append(a)
        i += 1
    return merged


def _scale_of(num: Num) -> int:
    """'1.5 to 2 million': the low end borrows the scale word of the high end."""
    m = re.search(r"(million|billion|thousand|mn|bn|m|k)$", num.text, re.I)
    if not m:
        return 1
    word = m.group(1).lower()
    return _SCALES.get(word) or _SHORT_SCALES.get(word, 1)


def _qualified(text: str, num: Num) -> Num:
    before = text[max(0, num.start - 30) : num.start]
    for pattern, qualifier in _QUAL_RE:
        m = pattern.search(before)
        if m:
            start = num.start - (len(before) - m.start())
            return replace(num, start=start, qualifier=num.qualifier or qualifier, text=text[start : num.end])
    after = text[num.end : num.end + 10]
    if num.value is not None and re.match(r"\+|\s+or more\b", after):
        return replace(num, qualifier=Qualifier.AT_LEAST)
    return num


def find_numbers(text: str, masked: list[tuple[int, int]] | None = None) -> list[Num]:
    """Every count in ``text`` (spans relative to it), skipping the ``masked`` spans (dates)."""
    atoms = _atoms(text, masked or [])
    return [_qualified(text, n) for n in _with_ranges(text, atoms)]
