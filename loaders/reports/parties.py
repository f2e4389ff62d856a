"""Who besieges a place: 'besieged by non-State armed groups', 'which Russian forces have encircled'."""

from __future__ import annotations

import re

_PARTY = [
    re.compile(r"(?:besieged|encircled|surrounded|blockaded|cut off|besieging|under siege)(?:[^.;]{0,60}?) by ((?:the )?[^,.;()]+(?:\([^)]*\))?[^,.;]*?)(?=\s+(?:since|for|as|from|in|on|during)\b|[,.;]|$)", re.I),
    re.compile(r"(?:which|that|where) ((?:the )?[^,;]+?) (?:have|has|had)(?: been)? (?:encircled|surrounded|besieged|blockaded|cut off)", re.I),
    re.compile(r"^((?:the )?[A-Z][^,;]{2,60}?) (?:have|has|had)(?: been)? (?:encircled|surrounded|besieged|blockaded)", re.I),
]  # fmt: skip


def besieging_party(text: str) -> str | None:
    """Who besieges: 'besieged by non-State armed groups', 'which Russian forces have encircled'."""
    for pattern in _PARTY:
        m = pattern.search(text)
        if m:
            party = re.sub(r"^(?:the )", "", m.group(1).strip(), flags=re.I)
            party = re.sub(r"\s+", " ", party)
            if 2 < len(party) < 80 and not re.match(
                r"^(?:it|they|them|fighting|shelling|the fighting)\b", party, re.I
            ):
                return party
    return None
