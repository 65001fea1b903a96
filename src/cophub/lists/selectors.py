"""Reads about lists, with visibility decided here."""
