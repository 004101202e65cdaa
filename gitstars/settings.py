"""Settings: command-line options, environment variables and `.env`.

Every option of the `gitstars` command has an environment variable of the same name in
upper case (`--db-url` is `DB_URL`), read from the process environment or a `.env` file in
the working directory. Command-line flags win over both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_SERVER_URL = "ws://localhost:8000"
DEFAULT_DB_PATH = Path("gitstars-data")
EMBEDDED_SCHEMES = ("mem", "memory", "surrealkv", "surrealkv+versioned", "file")
SERVER_SCHEMES = ("ws", "wss", "http", "https")


def default_db_url() -> str:
    """Return the embedded `surrealkv://` URL of the default database directory."""
    return f"surrealkv://{DEFAULT_DB_PATH.resolve()}"


class DatabaseSettings(BaseSettings):
    """How to reach SurrealDB: an embedded file or memory database, or a server."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    local: bool = Field(False, description=f"Use the SurrealDB server at {LOCAL_SERVER_URL}.")
    db_url: str = Field(
        default_factory=default_db_url,
        description="SurrealDB URL: surrealkv://PATH or mem:// (embedded), or ws://HOST:PORT (server).",
    )
    db_user: str | None = Field(None, description="SurrealDB user name (servers only).")
    db_pass: SecretStr | None = Field(None, description="SurrealDB password (servers only).")
    db_namespace: str = Field("gitstars", description="SurrealDB namespace.")
    db_database: str = Field("stars", description="SurrealDB database.")
    db_pool_max_size: Annotated[int, Field(ge=1, le=1000)] = Field(
        10, description="Maximum open connections to a SurrealDB server (connections)."
    )
    db_pool_min_idle: Annotated[int, Field(ge=0)] = Field(
        2, description="Idle connections kept open to a SurrealDB server (connections)."
    )
    db_connection_timeout: Annotated[float, Field(gt=0)] = Field(
        30.0, description="Time to wait for a free pooled connection (seconds)."
    )

    @model_validator(mode="after")
    def _resolve_local(self) -> DatabaseSettings:
        if self.local:
            self.db_url = LOCAL_SERVER_URL
        if self.db_pool_min_idle > self.db_pool_max_size:
            raise ValueError(
                f"db_pool_min_idle ({self.db_pool_min_idle}) is larger than db_pool_max_size "
                f"({self.db_pool_max_size}); lower --db-pool-min-idle or raise --db-pool-max-size"
            )
        return self

    @field_validator("db_url")
    @classmethod
    def _check_db_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in EMBEDDED_SCHEMES + SERVER_SCHEMES:
            raise ValueError(
                f"unsupported SurrealDB URL {value!r}: use surrealkv://PATH or mem:// for the "
                "embedded engine, or ws://HOST:PORT for a server"
            )
        return value

    @property
    def embedded(self) -> bool:
        """Whether the URL names the embedded engine, which one process owns."""
        return urlsplit(self.db_url).scheme in EMBEDDED_SCHEMES


class GitHubSettings(BaseSettings):
    """How to reach GitHub's REST API, and the token to use when an account has none."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    github_api_url: str = Field(
        "https://api.github.com",
        description="GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3).",
    )
    github_token: SecretStr | None = Field(
        None, description="Token used for accounts whose record has no access token."
    )
    github_per_page: Annotated[int, Field(ge=1, le=100)] = Field(
        100, description="Stargazers per request (items, at most 100)."
    )
    github_timeout: Annotated[float, Field(gt=0)] = Field(
        30.0, description="Time to wait for one GitHub response (seconds)."
    )

    @field_validator("github_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(
                f"invalid GitHub API URL {value!r}: expected http(s)://HOST[/PATH] with no "
                "query, such as https://api.github.com or https://HOST/api/v3"
            )
        return value.rstrip("/")


class CrawlSettings(BaseSettings):
    """How much work runs at once and how long a claim on a repository lasts."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    concurrency: Annotated[int, Field(ge=1, le=256)] = Field(
        8, description="Repositories crawled at once per account (task runs)."
    )
    lease_seconds: Annotated[float, Field(gt=0)] = Field(
        300.0, description="How long a repository claim lasts without renewal (seconds)."
    )
    settle_seconds: Annotated[float, Field(ge=0)] = Field(
        10.0, description="Time the account's repository count must stay unchanged (seconds)."
    )
    settle_max_wait: Annotated[float, Field(ge=0)] = Field(
        300.0, description="Maximum wait for the repository count to settle (seconds)."
    )
    task_timeout: Annotated[float, Field(gt=0)] = Field(
        3600.0, description="Time limit of one repository's task run (seconds)."
    )
    task_retries: Annotated[int, Field(ge=0, le=10)] = Field(
        2, description="Prefect retries of a repository's task run after a crash (attempts)."
    )
    user_concurrency: Annotated[int, Field(ge=1, le=100)] = Field(
        2, description="Default tag limit of task runs using one GitHub user's token at once (task runs)."
    )
    shared_rate_limit: bool = Field(
        False, description="Pace each token's requests through a Prefect global concurrency limit."
    )


class Settings(DatabaseSettings, GitHubSettings, CrawlSettings):
    """All settings of one `gitstars` process."""
