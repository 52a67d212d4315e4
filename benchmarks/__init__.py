"""Benchmarks of perfeval (not timed tests): ``python -m benchmarks`` or ``make bench``; see README.md here."""
