"""Review: facts extracted from reports wait here as pending; an analyst reads each one inside its
document, then confirms, edits or rejects it. Every change is recorded with who and when."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, review_data
from dashboard.cells import safe_table
from dashboard.highlight import KIND_LABELS, highlight_html, legend_html, paragraph_window, spans_from_records
from dashboard.inert import inert
from dashboard.session import require_actor
from db.auth import PermissionDenied
from db.review import FIELDS_BY_KIND, OUTCOMES, QUALIFIERS, SIEGE_STATUSES, ReviewConflict, ReviewError

FLASH = "review_flash"
CHOICES = {"outcome": OUTCOMES, "status": SIEGE_STATUSES}
LABELS = {
    "place_text": "Place (as written)", "date": "Date (YYYY-MM-DD)", "period_start": "Period start (YYYY-MM-DD)",
    "period_end": "Period end (YYYY-MM-DD)", "outcome": "Outcome", "status": "Siege status",
    "besieging_party": "Besieging party", "organisations": "Organisations (separate with ;)",
    "sources": "Sources (separate with ;)",
}  # fmt: skip


def field_label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    for suffix in ("_low", "_high", "_qualifier"):
        if name.endswith(suffix):
            return f"{name.removesuffix(suffix).replace('_', ' ')} {suffix[1:]}"
    return name.replace("_", " ")


def shown(value: Any) -> str:
    """A stored value as the form shows it: '' for empty, ISO dates, plain integers."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fact_label(row: pd.Series) -> str:
    when = shown(row["date"]) or (row["date_text"] if isinstance(row["date_text"], str) else "no date")
    figures = f" · {row['figures']}" if row["figures"] else ""
    return f"#{row['id']} {KIND_LABELS.get(row['kind'], row['kind'])} · {row['place_text']} · {when}{figures}"


def following(ids: list[int], current: int) -> int | None:
    """The fact to show once ``current`` leaves the list: the next one, else the previous."""
    i = ids.index(current)
    rest = ids[i + 1 :] or ids[:i][-1:]
    return rest[0] if rest else None


def _move_to(next_id: int | None) -> None:
    if next_id is None:
        st.session_state.pop("review_fact", None)
    else:
        st.session_state["review_fact"] = next_id


def _act(fact_id: int, action: str, next_id: int | None, version: int | None = None) -> None:
    """Button callback: runs before the rerun, so it may move the fact selector. ``version`` is the
    fact's as shown: a fact changed since is refused (db.review_conflicts), not confirmed unseen."""
    reason = st.session_state.get(f"review_reason_{fact_id}") if action == "reject" else None
    try:
        changed = review_data.review_fact(fact_id, action, reason, version)
    except (ReviewError, PermissionDenied) as exc:
        st.session_state[FLASH] = ("error", f"Fact #{fact_id} not changed: {inert(exc)}")
        return
    done = {"confirm": "confirmed", "reject": "rejected"}[action]
    st.session_state[FLASH] = (
        "success",
        f"Fact #{fact_id} {done}." if changed else f"Fact #{fact_id} was already {done}.",
    )
    _move_to(next_id)


def _save(
    fact_id: int,
    kind: str,
    confirm: bool,
    next_id: int | None,
    loaded: dict[str, str] | None = None,
    version: int | None = None,
) -> None:
    """Form callback. Sends only the fields the analyst changed, with what the form showed for them
    (``loaded``, bound when the form was drawn) and the fact's version then: a field someone else
    changed meanwhile is refused instead of being silently undone (db.review_conflicts)."""
    loaded = loaded or {}
    typed = {f: st.session_state.get(_key(f, fact_id)) for f in FIELDS_BY_KIND[kind]}
    changes = {f: v for f, v in typed.items() if v is not None and v != loaded.get(f)}
    expected = {f: loaded.get(f, "") for f in changes}
    try:
        changed = review_data.edit_fact(fact_id, changes, confirm=confirm, expected=expected, version=version)
    except ReviewConflict as exc:
        _forget_form(fact_id, kind)  # the rerun draws the form again from the current values
        message = f"Fact #{fact_id} not saved: {inert(exc)} The form now shows them."
        st.session_state[FLASH] = ("error", message)
        return
    except (ReviewError, PermissionDenied) as exc:
        st.session_state[FLASH] = ("error", f"Fact #{fact_id} not saved: {inert(exc)}")
        return
    names = ", ".join(changed) or "nothing changed"
    st.session_state[FLASH] = (
        "success",
        f"Fact #{fact_id} saved ({names}){' and confirmed' if confirm else ''}.",
    )
    if confirm:
        _move_to(next_id)


def show_flash() -> None:
    if FLASH in st.session_state:
        level, message = st.session_state.pop(FLASH)
        (st.error if level == "error" else st.success)(message)  # stored values in it went through inert()


def show_fields(fact: dict[str, Any]) -> None:
    kind = fact["kind"]
    names = [f for f in FIELDS_BY_KIND.get(kind, ()) if f not in ("place_text",)]
    rows = [
        ("place", f"{fact['place_text']} → {fact['place']}"),
        ("date as written", shown(fact["date_text"])),
    ]
    rows += [(f.replace("_", " "), shown(fact.get(f))) for f in names]
    rows += [(f"{q} as written", shown(fact.get(f"{q}_text"))) for q in _quantities(kind)]
    rows += [("method", fact["method"]), ("review status", fact["review_status"])]
    table = pd.DataFrame([r for r in rows if r[1]], columns=["field", "value"])
    st.dataframe(safe_table(table), hide_index=True, width="stretch")


def _quantities(kind: str) -> list[str]:
    return [f for f in FIELDS_BY_KIND.get(kind, ()) if f"{f}_low" in FIELDS_BY_KIND[kind]]


def show_evidence(fact: dict[str, Any]) -> None:
    doc = review_data.document(int(fact["import_id"])) if fact["span_start"] is not None else None
    if doc is None:
        where = f"row {fact['source_row']} of " if fact.get("source_row") else ""
        st.caption(
            inert(f"From {where}{fact['file_name']}: {fact.get('evidence') or '(no evidence stored)'}")
        )
        return
    title = doc["title"] or doc["file_name"]
    st.caption(
        f"In **{inert(title)}** ({inert(doc['publisher'] or 'publisher unknown')}, {inert(shown(doc['published']) or 'undated')})"
    )
    start, end = int(fact["span_start"]), int(fact["span_end"])
    window = paragraph_window(doc["text"], start, end)
    spans = spans_from_records(review_data.document_facts(int(fact["import_id"])).to_dict("records"))
    st.html(legend_html())
    st.html(highlight_html(doc["text"], spans, start=window[0], end=window[1], focus=int(fact["id"])))


def _key(name: str, fact_id: int) -> str:
    return f"review_edit_{name}_{fact_id}"


def _forget_form(fact_id: int, kind: str) -> None:
    """Drop the form's widget values so that it is drawn again from the stored fact."""
    for name in FIELDS_BY_KIND.get(kind, ()):
        st.session_state.pop(_key(name, fact_id), None)


def _options(name: str) -> list[str] | None:
    if name.endswith("_qualifier") or name in CHOICES:
        return ["", *(QUALIFIERS if name.endswith("_qualifier") else CHOICES[name])]
    return None


def initial(name: str, fact: dict[str, Any]) -> str:
    """What the form shows for a field when drawn: the value it sends back as 'loaded'."""
    value, options = shown(fact.get(name)), _options(name)
    return value if options is None or value in options else ""


def _input(name: str, fact: dict[str, Any], key: str) -> None:
    value, options = initial(name, fact), _options(name)
    if options is not None:
        st.selectbox(
            field_label(name), options, index=options.index(value), key=key, format_func=lambda o: o or "—"
        )
    else:
        st.text_input(field_label(name), value=value, key=key)


def show_edit_form(fact: dict[str, Any], next_id: int | None) -> None:
    fact_id, kind = int(fact["id"]), fact["kind"]
    fields = FIELDS_BY_KIND.get(kind, ())
    quantities = _quantities(kind)
    version = fact.get("version")
    # The fact changed since the form was drawn (a save, or someone else's): draw it afresh.
    if st.session_state.get(f"review_form_version_{fact_id}") != version:
        _forget_form(fact_id, kind)
        st.session_state[f"review_form_version_{fact_id}"] = version
    loaded = {name: initial(name, fact) for name in fields}
    with st.expander("Edit this fact"), st.form(f"review_edit_form_{fact_id}"):
        others = [f for f in fields if not any(f.startswith(q) for q in quantities)]
        cols = st.columns(2)
        for i, name in enumerate(others):
            with cols[i % 2]:
                _input(name, fact, f"review_edit_{name}_{fact_id}")
        for q in quantities:
            for col, name in zip(st.columns(4), (q, f"{q}_low", f"{q}_high", f"{q}_qualifier"), strict=True):
                with col:
                    _input(name, fact, f"review_edit_{name}_{fact_id}")
        st.caption("Give a value, or a low–high range; changing one figure recalculates nothing else.")
        left, right = st.columns(2)
        left.form_submit_button(
            "Save changes",
            key="review_save",
            on_click=_save,
            args=(fact_id, kind, False, next_id, loaded, version),
        )
        right.form_submit_button(
            "Save and confirm", key="review_save_confirm", type="primary", on_click=_save,
            args=(fact_id, kind, True, next_id, loaded, version),
        )  # fmt: skip


def show_history(fact_id: int) -> None:
    history = review_data.fact_history(fact_id)
    st.subheader("Change history")
    if history.empty:
        st.caption("No changes yet: the fact is as it was imported.")
        return
    st.dataframe(safe_table(history.drop(columns="change_id")), hide_index=True, width="stretch")


st.title("Review")
actor = require_actor()
if not actor.may("review"):
    st.info(f"Reviewing facts needs the editor role; {inert(actor.name)} is a {actor.role}. Ask an admin.")
    st.stop()
st.caption(f"Reviewing as {inert(actor.name)}: recorded with every confirmation, rejection and edit.")

everything = review_data.pending_facts()
show_flash()
if everything.empty:
    st.info(
        "No facts wait for review. Facts extracted from reports (`python -m cli ingest report.txt`) arrive "
        "here as pending; table, HXL and ACLED imports are confirmed on import."
    )
    st.caption(f"Store: {inert(data.store_label())}")
    st.stop()

kinds = ["", *sorted(everything["kind"].unique())]
documents = everything.drop_duplicates("import_id")
doc_labels = {
    int(r["import_id"]): f"#{r['import_id']} {r['title']} ({shown(r['published']) or 'undated'})"
    for _, r in documents.iterrows()
}
if st.session_state.get("review_document") not in (None, *doc_labels):
    st.session_state.pop("review_document")
with st.sidebar:
    kind = st.selectbox(
        "Kind", kinds, key="review_kind", format_func=lambda k: KIND_LABELS.get(k, "all kinds")
    )
    import_id = st.selectbox(
        "Document", list(doc_labels), index=None, key="review_document", format_func=doc_labels.get,
        placeholder="all documents",
    )  # fmt: skip

pending = review_data.pending_facts(kind or None, import_id)
st.caption(
    f"{len(everything)} fact(s) wait for review; {len(pending)} match the filters. Newest document first. "
    "Pending facts count in charts only when a page is asked to include them."
)
if pending.empty:
    st.info("No pending facts match these filters.")
    st.stop()

labels = {int(r["id"]): fact_label(r) for _, r in pending.iterrows()}
ids = list(labels)
if st.session_state.get("review_fact") not in ids:
    st.session_state["review_fact"] = ids[0]
fact_id = st.selectbox("Fact", ids, key="review_fact", format_func=labels.get)
next_id = following(ids, fact_id)
fact = review_data.fact_detail(fact_id)
if fact is None:  # reviewed or removed by someone else a moment ago
    st.warning(f"Fact #{fact_id} is no longer in the store; pick another.")
    st.stop()

st.subheader(
    f"#{fact_id} {inert(KIND_LABELS.get(fact['kind'], fact['kind']))} at {inert(fact['place_text'])}"
)
show_evidence(fact)
show_fields(fact)
buttons = st.columns([1, 1, 3])
version = fact.get("version")  # sent with each action: a fact changed since is not confirmed unseen
buttons[0].button(
    "Confirm",
    key="review_confirm",
    type="primary",
    on_click=_act,
    args=(fact_id, "confirm", next_id, version),
)
buttons[1].button("Reject", key="review_reject", on_click=_act, args=(fact_id, "reject", next_id, version))
buttons[2].text_input(
    "Reason for rejecting (optional)", key=f"review_reason_{fact_id}", label_visibility="collapsed",
    placeholder="reason for rejecting (optional)",
)  # fmt: skip
show_edit_form(fact, next_id)
show_history(fact_id)
st.caption(f"Store: {inert(data.store_label())}")
