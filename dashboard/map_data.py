"""The Map page's data: one figure per place (db.shapes), imported admin boundaries and the
Natural Earth country outlines shipped in dashboard/geo, cached like every dashboard.data wrapper."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.data import TTL_SECONDS, StoreKey, pending_allowed, store_key
from db.queries import Scope
from db.shapes import PlaceFigures

COUNTRIES_FILE = Path(__file__).resolve().parent / "geo" / "countries.geojson"
# Imported admin polygons are drawn at about 500 m precision: plenty at the zoom a country needs.
SHAPE_TOLERANCE = 0.005


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _place_figures(key: StoreKey, metric: str, start: dt.date, end: dt.date, pending: bool) -> PlaceFigures:
    from db.shapes import place_figures as figures

    return figures(metric, start, end, Scope(include_pending=pending), key[0])


def place_figures(metric: str, start: dt.date, end: dt.date, include_pending: bool = False) -> PlaceFigures:
    """One figure per place for the Map page (db.shapes.place_figures)."""
    return _place_figures(store_key(), metric, start, end, include_pending and pending_allowed())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _boundary_levels(key: StoreKey) -> list[int]:
    from db.shapes import boundary_levels as levels

    return levels(key[0])


def boundary_levels() -> list[int]:
    """Admin levels with imported polygons (-1: level unknown)."""
    return _boundary_levels(store_key())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _admin_boundaries(key: StoreKey, level: int) -> dict[str, Any]:
    from dashboard.maps import admin_collection
    from db.shapes import boundaries

    shapes = boundaries(level, key[0])
    shapes["geometry"] = shapes["geojson"].map(json.loads)
    return admin_collection(shapes, SHAPE_TOLERANCE)


def admin_boundaries(level: int) -> dict[str, Any]:
    """The imported polygons of one admin level as a display-ready GeoJSON FeatureCollection."""
    return _admin_boundaries(store_key(), level)


@st.cache_resource(show_spinner=False)
def country_outlines() -> dict[str, Any]:
    """Natural Earth country outlines shipped in dashboard/geo (read once per process; do not modify)."""
    from dashboard.maps import with_bboxes

    return with_bboxes(json.loads(COUNTRIES_FILE.read_text(encoding="utf-8")))
