"""Chunked encoding of long videos (filled in below)."""
