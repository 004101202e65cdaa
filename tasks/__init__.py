"""Prefect tasks of gitstars: one task per unit of work."""
