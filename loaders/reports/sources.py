"""Who gave a figure: 'according to X', 'X said', 'the UN's adviser, Jan Egeland, estimated',
'we recorded' (the publisher), 'It says' or 'the ministry said' (whoever spoke before), 'the two
agencies said' (the organisations just named), 'Zhyvytskyi said' (the title he was introduced with).
"""

from __future__ import annotations

import re

from loaders.reports.analysis import SPEECH_BOUNDARY, DocContext, Sent
from loaders.reports.orgs import OrgMention, org_matcher
from loaders.reports.vocab import vocab

_BOUNDARY = SPEECH_BOUNDARY
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being|reportedly)\s+(?:\w+\s+)?$", re.I)
_AUX = re.compile(
    r"(?:\s+(?:has|have|had|was|were|is|are|also|later|again|now|then|already|previously|earlier|late|on \w+|last \w+|this \w+))+$",
    re.I,
)
_PRONOUN = re.compile(
    r"(?:^|\s)(?:it|they|he|she|the same (?:office|source|sources|agency|monitor|group))$", re.I
)
_FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.I)
_DEFINITE = re.compile(
    r"^the (?:same )?(ministry|office|agency|observatory|monitor|group|organi[sz]ation|charity|committee|mission|authority|council)$",
    re.I,
)
_DEFINITE_IN = re.compile(r"\bthe (ministry|office|agency|observatory|monitor|charity|committee)\b", re.I)
_GROUP = re.compile(
    r"^the (?:two |three |both )?(?:agencies|organi[sz]ations|groups|charities|partners)$", re.I
)
_NAME = re.compile(r"^(?:[A-Z][\w'’.-]+\s+){0,2}([A-Z][\w'’-]+)$")
_OPERATOR_KINDS = {"un", "ngo", "ingo", "rcrc"}


def speech_spans(sent: Sent) -> list[tuple[int, int, int]]:
    """(subject start, subject end = verb start, verb end) for each 'X said' / 'according to X'."""
    v = vocab()
    spans = []
    for m in v.speech.finditer(sent.text):
        if re.match(r"\s+(?:killed|dead|wounded|injured|missing|hurt)\b", sent.text[m.end() :], re.I):
            continue  # '12 civilians reported killed' is not an attribution
        if _PASSIVE.search(sent.text[max(0, m.start() - 20) : m.start()]):
            continue  # 'once deaths ... are added'
        if re.search(r"\b(?:an|the|a|its|their)\s+$", sent.text[max(0, m.start() - 6) : m.start()], re.I):
            continue  # 'where an estimated 12,500 people live': an adjective, not a speaker
        left = _left_boundary(sent.text, m.start())
        if not sent.text[left : m.start()].strip() and left > 0:  # 'the UN's adviser, Jan Egeland, estimated'
            left = _left_boundary(sent.text, left - 1)
        spans.append((_appositive(sent, left, m.start()), m.start(), m.end()))
    for m in v.source_before.finditer(sent.text):
        stop = re.search(r"[,;.]|$", sent.text[m.end() :])
        end = m.end() + (stop.start() if stop else 0)
        spans.append((m.end(), end, m.start()))
    return spans


def _left_boundary(text: str, end: int) -> int:
    left = 0
    for b in _BOUNDARY.finditer(text, 0, end):
        left = b.end()
    return left


def _orgs_between(sent: Sent, start: int, end: int) -> list[OrgMention]:
    return [o for o in sent.orgs if start <= o.start and o.end <= end]


def _appositive(sent: Sent, left: int, verb: int) -> int:
    """'The UN agency for Palestinian refugees, UNRWA, said': the subject spans both names."""
    for _ in range(2):
        if left < 2 or sent.text[left - 1] != ",":
            break
        prev = _left_boundary(sent.text, left - 1)
        segment = sent.text[prev : left - 1]
        if len(segment.split()) > 7 or re.search(r"\d", segment) or not _orgs_between(sent, prev, left - 1):
            break
        left = prev
    return left


def in_attribution(sent: Sent, org: OrgMention) -> bool:
    return any(s <= org.start and org.end <= e for s, e, _ in speech_spans(sent))


def sources_near(doc: DocContext, sent: Sent, pos: int, last: list[str]) -> list[str]:
    """Who gave the figure at ``pos``: the nearest attribution in the sentence, else []."""
    spans = speech_spans(sent)
    if not spans:
        return _parenthesised(sent)
    start, end, _ = min(spans, key=lambda s: min(abs(s[1] - pos), abs(s[0] - pos)))
    return sources_in(doc, sent, start, end, last)


_PAREN_SOURCE = re.compile(
    r"\(((?:[\w'’-]+\s+){0,4}?(?:admin|administration|authorities|ministry|officials|office|police|"
    r"hospital|council|monitors?|sources?|MoH|RMA|OCHA|UN)\.?)\)",
    re.I,
)


def _parenthesised(sent: Sent) -> list[str]:
    """'Casualties Avdiivka 10-19 Oct (city military admin): 7 killed': the source in brackets."""
    m = _PAREN_SOURCE.search(sent.text)
    return [_clean(m.group(1))] if m else []


def sources_in(doc: DocContext, sent: Sent, start: int, end: int, last: list[str]) -> list[str]:
    phrase = _AUX.sub("", sent.text[start:end].strip(" ,")).strip()
    orgs = [_qualified(doc, sent, start, o) for o in _orgs_between(sent, start, end)]
    if orgs:
        return list(dict.fromkeys(orgs))
    # 'In April 2023 the monitoring mission recorded': the speaker follows the date.
    phrase = re.sub(r"^.*\d[^\s]*\s+", "", phrase) if re.search(r"\d\S*\s+\D+$", phrase) else phrase
    if not phrase or re.search(r"\d", phrase):
        return []
    if _FIRST_PERSON.search(phrase):
        return [doc.publisher] if doc.publisher else []
    if m := re.match(r"^(?:its|their)\s+(.+)$", phrase, re.I):
        owner = _orgs_between(sent, 0, start)
        if owner:
            found = org_matcher().find(f"{owner[-1].resolve(doc.country)} {m.group(1)}")
            return [found[0].resolve(doc.country)] if found else [owner[-1].resolve(doc.country)]
    if _GROUP.match(phrase):
        return _recent_operators(doc, sent) or list(last)
    if _DEFINITE.match(phrase) or _PRONOUN.search(phrase):
        word = _DEFINITE.match(phrase)
        if word is None:  # 'the ministry's overall count passed 30,000: it said'
            earlier = list(_DEFINITE_IN.finditer(sent.text, 0, start))
            word = earlier[-1] if earlier else None
        return (_named_like(doc, sent, word.group(1)) if word else []) or list(last)
    name = _NAME.match(phrase)
    if name and name.group(1) in doc.people:
        return [doc.people[name.group(1)]]
    generic = vocab().generic_source.search(phrase)
    if generic:
        return [_clean(_with_modifiers(phrase, generic.start(), generic.end()))]
    return [_clean(phrase)] if len(phrase.split()) <= 6 else []


def _recent_operators(doc: DocContext, sent: Sent) -> list[str]:
    for j in range(sent.idx - 1, max(-1, sent.idx - 3), -1):
        names = [o.resolve(doc.country) for o in doc.sents[j].orgs if o.kind in _OPERATOR_KINDS]
        if len(names) >= 2:
            return list(dict.fromkeys(names))
    return []


def _named_like(doc: DocContext, sent: Sent, word: str) -> list[str]:
    """'the ministry' -> the last organisation whose name has 'ministry' in it; 'the mission' -> 'the
    monitoring mission' named earlier."""
    for j in range(sent.idx, max(-1, sent.idx - 12), -1):
        for o in reversed(doc.sents[j].orgs):
            if word.lower() in o.text.lower():
                return [o.resolve(doc.country)]
    longer = re.compile(
        rf"\bthe ((?!same |other |two |both )(?:[a-z][\w-]+ ){{1,2}}{re.escape(word.lower())})\b"
    )
    for j in range(sent.idx, max(-1, sent.idx - 30), -1):
        found = longer.findall(doc.sents[j].text)
        if found:
            return [found[-1]]
    return []


def _clean(text: str) -> str:
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"^([A-Z][\w-]+)['’]s\s+", r"\1 ", text)  # "Mariupol's mayor" -> "Mariupol mayor"
    # 'the health office in Hodeidah' -> 'Hodeidah health office'
    m = re.match(rf"^([a-z][\w\s-]*?\b(?:{_TITLE}))\s+in\s+({_CAP_NAME})$", text)
    return f"{m.group(2)} {m.group(1)}" if m else text


_TITLE = "office|ministry|directorate|department|council|authorities|administration|officials|hospital"
_CAP_NAME = r"[A-Z][\w'’-]+(?:[\s-][A-Z][\w'’-]+){0,2}"
_FUNCTION_WORDS = re.compile(
    r"^(?:(?:In|On|At|The|From|Near|And|But|Across|Inside|According|To|By|Of|For)\s+)+"
)
_MODIFIER = re.compile(
    r"(?:state|regional|provincial|district|municipal|county|city|local|council|village|camp|town|"
    r"transitional|interim|de facto|national|federal|military|civil|central|[A-Z][\w'’-]+)$"
)
_PLACE_KIND = "state|city|camp|region|province|district|governorate|town|village|county|municipality"
_OWN_PLACE = re.compile(rf"\bthe\s+({_PLACE_KIND})(['’]s)?\s+$", re.I)
_NAMED_PLACE = re.compile(rf"({_CAP_NAME})\s+({_PLACE_KIND})\s+$")


def _with_modifiers(phrase: str, start: int, end: int) -> str:
    """'transitional authorities', 'local council officials', 'state health ministry': the words that
    say whose officials they are belong to the source."""
    words = phrase[:start].split()
    keep = 0
    while keep < len(words) and _MODIFIER.fullmatch(words[-1 - keep]) and words[-1 - keep] != "The":
        keep += 1
    return " ".join([*words[len(words) - keep :], phrase[start:end]])


def _qualified(doc: DocContext, sent: Sent, start: int, org: OrgMention) -> str:
    """'the state Ministry of Health' after 'In Khartoum state' is 'Khartoum state Ministry of Health';
    'the camp's Emergency Response Room' after 'Abu Shouk camp' is 'Abu Shouk Emergency Response Room';
    'Mariupol city council' is kept as written. Acronym names (UN, WFP) are never qualified."""
    short = org.resolve(doc.country)
    if org.text.isupper() or org.kind not in {"government", "unnamed", "ngo", None}:
        return short
    before = sent.text[max(start, org.start - 60) : org.start]
    if named := _NAMED_PLACE.search(before):
        return f"{_FUNCTION_WORDS.sub('', named.group(1))} {named.group(2)} {org.text}"
    if own := _OWN_PLACE.search(before):
        kind = own.group(1).lower()
        pattern = re.compile(rf"({_CAP_NAME})\s+{kind}\b")
        for j in range(sent.idx, max(-1, sent.idx - 4), -1):
            text = doc.sents[j].text[: org.start] if j == sent.idx else doc.sents[j].text
            found = [m.group(1) for m in pattern.finditer(text)]
            if found:
                name = _FUNCTION_WORDS.sub("", found[-1])
                return f"{name} {org.text}" if own.group(2) else f"{name} {kind} {org.text}"
        if not own.group(2):
            return f"{kind} {org.text}"  # 'the state health ministry', no state named before
    if org.kind == "unnamed" and (cap := re.search(rf"\b({_CAP_NAME})\s+$", before)):
        name = _FUNCTION_WORDS.sub("", cap.group(1))
        if name and name[0].isupper() and not re.match(r"^(?:The|A|An)$", name):
            return f"{name} {org.text}"
    return short
