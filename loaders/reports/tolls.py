"""Civilian tolls: 'killing 12 civilians and wounding 33', 'between 50 and 70 civilians were killed',
'the death toll rose to 115', 'seven of the dead were civilians'.

Not a civilian toll: soldiers, fighters and other combatants, totals that include them ('149
people, including 110 Houthi fighters'), breakdowns of a toll ('7 of them children'), combined
'killed or wounded' figures, and deaths from cold or disease.
"""

from __future__ import annotations

import re

from loaders.reports.analysis import DocContext, Sent
from loaders.reports.drafts import Draft, choose_place, event_date, usable
from loaders.reports.mentions import Noun, clause_of, noun_of
from loaders.reports.numbers import Num
from loaders.reports.places import PlaceMention
from loaders.reports.sources import sources_near
from loaders.reports.vocab import vocab

_ADJACENT_VERB = re.compile(
    r"(?P<verb>killing|killed|kills|wounding|wounded|injuring|injured|maiming|the deaths of|death of|deaths of|dead|claimed the lives of|took the lives of)\s*(?:(?:at least|some|about|around|nearly|almost|more than|over|up to|an estimated|as many as|another)\s*)?$",
    re.I,
)
_LIST_JOIN = re.compile(r"^[^.;:]{0,30}?(?:,|\band\b)\s*$")
_OTHER = re.compile(r"\b(?:the other|the remaining|another)\s*$", re.I)
_MIXED = re.compile(
    r"\b(?:including|includes|included|among them|of whom|most of them|mostly|both)\b[^;]{0,50}", re.I
)
_OWN_VERB = re.compile(
    r"\s*(?:people\s+|civilians\s+|pax\s+)?(?:were\s+|have been\s+)?(?:killed|injured|wounded|dead|inj|KIA|WIA)\b",
    re.I,
)
_MOST_DEAD = re.compile(
    r"\b(?:most|many|all|half|the majority) of (?:the dead|them|those killed|the victims)\b[^.;]{0,40}", re.I
)
_DEAD_WORDS = re.compile(r"^(?:dead|killed|victims|deaths|fatalities)$", re.I)
_HURT_WORDS = re.compile(r"^(?:wounded|injured|hurt)$", re.I)


_SHARED_VERB = re.compile(
    r"^\s*(?:(?:were|was|have been|had been|are)\s+(?:\w+\s+)?)?(?P<verb>killed|dead|died|injured|wounded|hurt)\b",
    re.I,
)


def _shared_verb(sent: Sent, num: Num) -> str | None:
    """'forty-nine civilians and fifteen soldiers were killed': the verb after the list is each count's."""
    nums = [n for n in sent.nums if n.start > num.end]
    prev = num
    for n in nums[:3]:
        if not re.fullmatch(
            r"\s*(?:[\w-]+(?:\s+[\w-]+)?\s*)?(?:,|and|, and)\s*", sent.text[noun_of(sent, prev).end : n.start]
        ):
            return None
        m = _SHARED_VERB.match(sent.text[noun_of(sent, n).end :])
        if m:
            verb = m.group("verb").lower()
            return "injured" if verb in {"injured", "wounded", "hurt"} else "killed"
        prev = n
    return None


def _toll_type(sent: Sent, num: Num, next_start: int) -> str | None:
    """'killed', 'injured', 'combined' or None for the count ``num``."""
    v = vocab()
    before = sent.text[max(0, num.start - 40) : num.start]
    m = _ADJACENT_VERB.search(before)
    if m:
        verb = m.group("verb").lower()
        return "injured" if verb.startswith(("wound", "injur", "maim")) else "killed"
    after = sent.text[num.end : min(next_start, num.end + 70)]
    stop = re.search(r"[;]|\.\s|\bwhen\b|\bafter\b|\bwhile\b", after)
    if stop:
        after = after[: stop.start()]
    if v.combined.search(after[:45]):
        return "combined"
    kill, hurt = v.kill.search(after), v.injure.search(after)
    if kill and (not hurt or kill.start() < hurt.start()):
        return "killed"
    if hurt:
        return "injured"
    window = sent.text[max(0, num.start - 160) : num.start]
    m = v.toll_update.search(window)
    if m and m.end() >= len(window.rstrip()) - 1:
        return "killed"
    return _shared_verb(sent, num)


def _mixed_total(sent: Sent, num: Num) -> bool:
    """'149 people ..., including 110 Houthi fighters', '...; most of the dead were soldiers': a total
    that counts combatants."""
    _, clause_end = clause_of(sent.text, num.start, num.end)
    tail = sent.text[num.end : clause_end]
    if any(vocab().military.search(m.group()) for m in _MIXED.finditer(tail)):
        return True
    most = _MOST_DEAD.search(sent.text, num.end)
    return bool(most and vocab().military.search(most.group()))


def _partitive_civilians(sent: Sent, num: Num, noun: Noun) -> str | None:
    """'seven of the dead were civilians' -> killed."""
    if not noun.partitive:
        return None
    if not re.match(r"\s*(?:were|was|are)\s+(?:\w+\s+)?civilians?\b", sent.text[noun.end : noun.end + 30]):
        return None
    if _DEAD_WORDS.match(noun.word):
        return "killed"
    if _HURT_WORDS.match(noun.word):
        return "injured"
    return None


def sentence_tolls(doc: DocContext, sent: Sent, last_sources: list[str]) -> list[Draft]:
    """Every civilian toll in ``sent`` (usually one: killed and injured together)."""
    v = vocab()
    drafts: list[Draft] = []
    current: Draft | None = None
    in_breakdown = False
    armed_part = False  # a breakdown of the last toll named soldiers or fighters
    military_before = False
    prev_end = 0
    nonviolent = bool(v.nonviolent.search(sent.text))
    for i, num in enumerate(sent.nums):
        next_start = sent.nums[i + 1].start if i + 1 < len(sent.nums) else len(sent.text)
        between = sent.text[prev_end : num.start]
        prev_end = num.end
        noun = noun_of(sent, num)
        special = _partitive_civilians(sent, num, noun)
        if noun.of_them or _OTHER.search(between):
            in_breakdown = True
            armed_part = armed_part or bool(vocab().military.match(sent.text[noun.end :].lstrip()))
            continue
        if (
            current is not None
            and armed_part
            and noun.word.lower().startswith("civilian")
            and not current.killed.is_empty
        ):
            current.killed = num.quantity()  # '37 dead, 27 of them soldiers and 10 civilians': the civilians
            armed_part = False
            continue
        joined = bool(_LIST_JOIN.match(between)) or bool(re.fullmatch(r"\s*and\s+\w+ing\s*", between))
        if noun.kind == "military" or (noun.kind is None and military_before and joined):
            military_before = True
            continue
        military_before = False
        if noun.kind not in {None, "person"} and not special:
            continue
        own_verb = _OWN_VERB.match(sent.text[num.end :])
        listed = in_breakdown and _LIST_JOIN.match(between) and not own_verb  # '..., and 1,174 injured'
        if current is not None and (v.breakdown_before.search(between) or listed):
            in_breakdown = True
            continue
        in_breakdown = False
        kind = special or (None if noun.partitive else _toll_type(sent, num, next_start))
        if kind not in {"killed", "injured"} or _mixed_total(sent, num) or (nonviolent and kind == "killed"):
            continue
        if current is None or not getattr(current, kind).is_empty or getattr(current, kind).qualifier:
            current = _new_toll(doc, sent, num, last_sources)
            drafts.append(current)
        setattr(current, kind, num.quantity())
    return drafts


_COUNTRY_WIDE = re.compile(
    r"\b(?:in|across|throughout|around) the country\b|\bnation-?wide\b|\bcountry-?wide\b", re.I
)


def _country_named(doc: DocContext, idx: int) -> list[PlaceMention]:
    """'in the country': the report's country, as the report last named it."""
    for j in range(idx, -1, -1):
        for p in reversed(doc.sents[j].places):
            if p.place and p.place.place_type == "country" and p.place.country == doc.country:
                return [p]
    return []


def _new_toll(doc: DocContext, sent: Sent, num: Num, last_sources: list[str]) -> Draft:
    draft = Draft("civilian_toll", sent.idx, sent.start, sent.end)
    places = usable(doc.all_places(sent), sent.text, for_toll=True)
    draft.place, draft.parts = choose_place(places, sent.text)
    if draft.place is None:  # 'casualties in Ukraine since 24 February': a country-wide toll
        countries = [p for p in sent.places if p.place and p.place.place_type == "country"]
        if not countries and _COUNTRY_WIDE.search(sent.text):
            countries = _country_named(doc, sent.idx)
        draft.place, draft.parts = (countries[0], [countries[0].name]) if countries else (None, [])
    draft.place_strength = 2
    if draft.place is None:
        context, j = doc.context_places(
            sent.idx, back=6, keep=lambda found, text: usable(found, text, for_toll=True)
        )
        if j is not None:
            draft.place, draft.parts = choose_place(
                usable(context, doc.sents[j].text, for_toll=True), doc.sents[j].text
            )
            draft.place_strength = 1
    date = event_date(sent)
    if date is None or date.first is None:
        ctx = doc.context_date(sent.idx)
        if ctx is not None:
            date, draft.date_basis = ctx, "context"
    draft.date = date
    draft.sources = sources_near(doc, sent, num.start, last_sources)
    return draft
