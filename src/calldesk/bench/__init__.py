"""Benchmarks that print numbers measured side by side in one run (never timed tests)."""
