"""Benchmarks of gitstars against the fake GitHub, next to a peer; see docs/benchmarks.md."""
