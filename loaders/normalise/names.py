"""Matching keys for place and organisation names across spellings and scripts.

``name_key`` folds case, accents, apostrophes, hyphens and the Arabic article so that
"Douma", "Duma" stay distinct (they are matched through the gazetteer's alias list) but
"al-Fu'ah", "Al Fuah" and "alfuah" meet; Arabic keys drop diacritics and unify alef, yaa and taa
marbuta forms so that "دوما" and "دُوما" meet.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile(r"[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_LATIN_ARTICLE = re.compile(r"^(?:al|el|ar|as|ad|ash|az|at|an|ad)[\s\-']+", re.I)
_ARABIC_ARTICLE = re.compile(r"^ال")
_PUNCT = re.compile(r"[\s\-'’‘`ʿʾ.,()]+")


def name_key(name: str) -> str:
    """Folded key for lookups. Empty string for blank input."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    if not text:
        return ""
    if re.search(r"[\u0600-\u06ff]", text):
        text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_FOLD)
        words = [_ARABIC_ARTICLE.sub("", w) for w in text.split()]
        return "".join(words)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    text = _LATIN_ARTICLE.sub("", text)
    return _PUNCT.sub("", text)
