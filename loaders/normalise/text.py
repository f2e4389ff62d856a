"""Bytes to text, and text to rows, without ever replacing a character silently.

Encoding: a BOM decides (UTF-8, UTF-16); otherwise strict UTF-8; otherwise the legacy code page
that fits (Windows-1256 for Arabic text, Windows-1252 for Latin text), reported back to the
caller so the import record shows it. A file that fits none is refused with the byte offset and
the option to declare the encoding.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from loaders.records import LoadError

_BOMS: list[tuple[bytes, str]] = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]
# A notes cell may be long; the csv module's default cap (128 KiB a field) would raise mid-file.
# The upload size limit (loaders.safety) bounds memory instead.
csv.field_size_limit(1 << 30)
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def decode_bytes(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name). Raises LoadError naming the offset when nothing fits."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise LoadError(file, f"cannot be read as {encoding}: {exc}; try another --encoding") from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise LoadError(
                    file, f"starts with a {name} mark but byte {exc.start} is not {name}"
                ) from None
    if _looks_utf16_without_bom(data):
        for name in ("utf-16-le", "utf-16-be"):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                continue
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from loaders.safety import mixed_encoding  # here: safety imports this module's neighbours

    if reason := mixed_encoding(data):
        raise LoadError(file, reason)
    return _decode_legacy(data, file, utf8_error)


def _looks_utf16_without_bom(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) / 2
    return max(zeros_even, zeros_odd) > 0.4 * half


def _decode_legacy(data: bytes, file: str, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    candidates: list[tuple[float, str, str]] = []
    for name in ("cp1256", "cp1252"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        high = [ch for ch in text if ord(ch) > 127]
        if not high:
            continue
        # Arabic files decoded as cp1256 are mostly Arabic letters; Latin files mostly accents.
        arabic_share = sum(1 for ch in high if _ARABIC.match(ch)) / len(high)
        score = arabic_share if name == "cp1256" else 1 - arabic_share
        candidates.append((score, name, text))
    if candidates:
        score, name, text = max(candidates)
        if score >= 0.6:
            return text, name
    raise LoadError(
        file,
        f"is not UTF-8 (byte {utf8_error.start} is {data[utf8_error.start : utf8_error.start + 1]!r}) "
        "and no legacy code page fits; save it as UTF-8 or declare the encoding with --encoding "
        "(for example cp1256 for Arabic Windows files)",
    )


def sniff_delimiter(text: str) -> str:
    """Pick ',', ';', tab or '|' from the first lines: the one that splits them most evenly."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", 0.0
    for delim in (",", ";", "\t", "|"):
        counts = [len(next(csv.reader([ln], delimiter=delim))) - 1 for ln in lines]
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        # Title rows above the header have no delimiters: judge by the most common split.
        mode = max(set(nonzero), key=nonzero.count)
        score = nonzero.count(mode) / len(counts) * 10 + mode / 100
        if score > best_score:
            best, best_score = delim, score
    return best


def split_rows(text: str, delimiter: str | None = None) -> tuple[list[list[str]], str]:
    """Parse CSV text into rows (lists of stripped strings) and return the delimiter used."""
    delim = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    return [[cell.strip() for cell in row] for row in reader], delim


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a header or name ('Nº  of Trucks' -> 'no of trucks')."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-./()]+", " ", stripped.casefold()).strip()
