"""Comparing the outlets of a story: claims, their alignment across outlets, coverage, framing, and kind."""
