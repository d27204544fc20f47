"""Benchmarks: run as ``python -m bench.NAME``; they print figures, they assert nothing."""
