"""Batch evaluation: cases in from a folder or JSON Lines (``input``), decided by worker
processes (``run``) or a Dask cluster (``on_dask``), records out exactly once (``output``)."""
