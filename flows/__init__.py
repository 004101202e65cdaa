"""Prefect flows of gitstars."""
