"""Loomio's rules without HTTP: threading, permissions, ranges (and the polls modules)."""
