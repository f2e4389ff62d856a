"""Counts as people write them in spreadsheets: ``1,000``, ``1 000``, ``١٢٣``, ``10+``, ``940-1,000``.

``parse_count`` returns a :class:`Quantity` or raises ``ValueError`` with a message fit for a
user ("'abc' is not a count: write a whole number such as 1200, a range such as 940-1000 ...").
Blank cells and words such as "unknown" give an empty Quantity: a missing figure is not an error.
"""

from __future__ import annotations

import re

from loaders.records import EMPTY, Qualifier, Quantity

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic / Persian (U+06F0..) digits.
_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "01234567890123456789",
)
# Arabic thousands separator and decimal separator.
_ARABIC_SEPARATORS = str.maketrans({"٬": ",", "٫": "."})

_UNKNOWN = {
    "",
    "-",
    "--",
    "?",
    "n/a",
    "na",
    "nan",
    "none",
    "null",
    "unknown",
    "not known",
    "tbc",
    "tbd",
    "غير معروف",
    "لا يوجد",
}

_QUALIFIER_WORDS: list[tuple[str, str]] = [
    (r"at least|min(?:imum)?\.?|no fewer than|no less than|≥|>=", Qualifier.AT_LEAST),
    (r"more than|over|>|above", Qualifier.MORE_THAN),
    (r"about|around|approx(?:imately|\.)?|some|circa|ca\.|~|an estimated|estimated|est\.", Qualifier.ABOUT),
    (r"nearly|almost|close to", Qualifier.NEARLY),
    (r"up to|max(?:imum)?\.?|≤|<=|<", Qualifier.UP_TO),
]
_QUALIFIER_RE = [(re.compile(rf"^(?:{p})\s*", re.I), q) for p, q in _QUALIFIER_WORDS]
_VAGUE = re.compile(r"^(dozens|scores|hundreds|thousands|tens of thousands|several|many|few)\b", re.I)

# One number with optional thousands separators (comma, dot, space, no-break / thin space, apostrophe).
_GROUPED = r"\d{1,3}(?:[,. \u00a0\u202f\u2009'’]\d{3})+"
_NUM = _GROUPED + r"|\d+(?:\.\d+)?"
_RANGE_RE = re.compile(rf"^({_NUM})\s*(?:-|–|—|to|and)\s*({_NUM})$", re.I)
_SINGLE_RE = re.compile(rf"^({_NUM})\s*(\+)?$")
_SCALE_RE = re.compile(rf"^({_NUM})\s*(k|thousand|m|million)$", re.I)
_BETWEEN_RE = re.compile(r"^between\s+(.+?)\s+and\s+(.+)$", re.I)


def _to_int(token: str) -> int:
    """'1,000' / '1.000' / '1 000' -> 1000; '12.5' stays a decimal and is refused by callers."""
    if re.fullmatch(_GROUPED, token):
        return int(re.sub(r"\D", "", token))
    if "." in token:
        number = float(token)
        if number != int(number):
            raise ValueError(f"'{token}' is not a whole number")
        return int(number)
    return int(token)


def clean_number_text(raw: str) -> str:
    """Digits to ASCII, Arabic separators to ASCII, outer spaces and quotes removed."""
    return raw.translate(_DIGITS).translate(_ARABIC_SEPARATORS).strip().strip("\"'").strip()


def parse_count(raw: object) -> Quantity:
    """Parse one spreadsheet cell into a Quantity. Raises ValueError for text that is no count."""
    if raw is None:
        return EMPTY
    if isinstance(raw, bool):
        raise ValueError(f"'{raw}' is not a count")
    if isinstance(raw, int):
        return _checked(Quantity(value=raw, text=str(raw)))
    if isinstance(raw, float):
        if raw != raw:  # NaN from spreadsheets means an empty cell
            return EMPTY
        if raw != int(raw):
            raise ValueError(f"'{raw}' is not a whole number")
        return _checked(Quantity(value=int(raw), text=str(int(raw))))
    original = str(raw).strip()
    text = clean_number_text(original)
    if text.lower() in _UNKNOWN:
        return EMPTY
    qualifier: str | None = None
    for pattern, q in _QUALIFIER_RE:
        match = pattern.match(text)
        if match:
            qualifier, text = q, text[match.end() :].strip()
            break
    if re.match(r"^[-−]\s*\d", text):
        raise ValueError(f"'{original}' is negative: counts of people or trucks cannot be below 0")
    if _VAGUE.match(text):
        return Quantity(qualifier=Qualifier.VAGUE, text=original)
    between = _BETWEEN_RE.match(text)
    if between:
        text = f"{between.group(1)}-{between.group(2)}"
    text = re.sub(r"\s*(people|persons|individuals|civilians|trucks|lorries|killed)$", "", text, flags=re.I)
    if m := _RANGE_RE.match(text):
        low, high = _to_int(m.group(1)), _to_int(m.group(2))
        if low > high:
            raise ValueError(f"'{original}': the range runs backwards; write the low figure first")
        if low == high:
            return _checked(Quantity(value=low, qualifier=qualifier, text=original))
        return _checked(Quantity(low=low, high=high, qualifier=qualifier, text=original))
    if m := _SINGLE_RE.match(text):
        value = _to_int(m.group(1))
        if m.group(2):  # "10+" = at least ten
            qualifier = qualifier or Qualifier.AT_LEAST
        return _checked(Quantity(value=value, qualifier=qualifier, text=original))
    if m := _SCALE_RE.match(text):
        factor = 1_000_000 if m.group(2).lower() in {"m", "million"} else 1000
        value = round(float(m.group(1).replace(",", "")) * factor)
        return _checked(Quantity(value=value, qualifier=qualifier, text=original))
    raise ValueError(
        f"'{original}' is not a count: write a whole number (1200, 1,200), a range (940-1000), "
        "a minimum (10+) or leave the cell empty if unknown"
    )


def _checked(q: Quantity) -> Quantity:
    for part in (q.value, q.low, q.high):
        if part is not None and part < 0:
            raise ValueError(f"'{q.text}' is negative: counts of people or trucks cannot be below 0")
    return q
