"""Benchmarks: shard generator (``generate``), throughput harness (``run``), language-ID study (``lid``)."""
