"""The benchmark: ``python bench/run.py [--quick]`` (never part of the test suite)."""
