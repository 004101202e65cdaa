"""Prefect blocks of gitstars; `prefect block register -m blocks` registers both."""

from blocks.github import GitHubAPI
from blocks.surrealdb import SurrealDBConnection

__all__ = ["GitHubAPI", "SurrealDBConnection"]
