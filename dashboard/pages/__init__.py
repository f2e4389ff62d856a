"""One thin module per screen; app.py lists them in st.navigation. Pages call dashboard.data only."""
