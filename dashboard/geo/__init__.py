"""Boundary data shipped with the app (see README.md here) and the script that builds it."""
