"""Benchmarks of loomio-parity: `python -m bench` (see bench/__main__.py)."""
