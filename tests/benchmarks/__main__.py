"""`python -m tests.benchmarks --help`."""

from tests.benchmarks.runner import main

if __name__ == "__main__":
    raise SystemExit(main())
