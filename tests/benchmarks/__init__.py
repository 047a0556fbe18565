"""The performance benchmark (issue 9): `python -m tests.benchmarks`, or `make bench`.

Nothing here is collected by pytest (no test_*.py files); tests/test_bench_smoke.py runs the
harness at a tiny scale as part of `make test`.
"""
