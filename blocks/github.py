"""The GitHub API block."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class GitHubAPI(Block):
    """Connection and pacing settings for GitHub's REST API.

    Tokens belong to accounts and stay in their `account` records. `fallback_token` is
    only for accounts that have none, such as a backfill run by an operator.

    Example:
        Load the saved settings:
        ```python
        from blocks import GitHubAPI

        github = GitHubAPI.load("BLOCK_NAME")
        print(github.base_url)
        ```
    """

    _block_type_name = "gitstars GitHub API"
    _block_type_slug = "gitstars-github-api"
    _documentation_url = "https://docs.github.com/en/rest/activity/starring"

    base_url: str = Field(
        default="https://api.github.com",
        description="REST API base URL; GitHub Enterprise Server uses https://HOST/api/v3.",
        examples=["https://api.github.com", "https://github.example.com/api/v3"],
    )
    fallback_token: SecretStr | None = Field(
        default=None, description="Token for accounts whose record has no access token."
    )
    per_page: int = Field(default=100, ge=1, le=100, description="Stargazers per request (items, at most 100).")
    timeout: float = Field(default=30.0, gt=0, description="Time to wait for one response (seconds).")
    settle_seconds: float = Field(
        default=10.0, ge=0, description="Time an account's repository count must stay unchanged before its crawl (seconds)."
    )
    settle_max_wait: float = Field(
        default=300.0, ge=0, description="Maximum wait for the repository count to settle (seconds)."
    )
    concurrency: int = Field(default=8, ge=1, description="Repositories crawled at once per account (task runs).")
    user_concurrency: int = Field(
        default=2, ge=1, description="Default limit of task runs that use one GitHub user's token at once (task runs)."
    )
    shared_rate_limit: bool = Field(
        default=True,
        description="Pace each GitHub user's requests through a Prefect global concurrency limit shared by all workers.",
    )
