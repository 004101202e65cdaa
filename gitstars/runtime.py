"""The process's shared resources: settings, the store, GitHub clients and the stop event.

Flow and task parameters carry ids, never connections or tokens, so tasks find what they
need here. An embedded database allows exactly one connection per process, and one GitHub
client per token keeps its connection pool and rate-limit state in one place.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

from pydantic import SecretStr

from gitstars.github.client import GitHubClient
from gitstars.models import Account
from gitstars.settings import Settings
from gitstars.store import Store, StoreError


class MissingTokenError(RuntimeError):
    """No GitHub token for an account: neither its record nor GITHUB_TOKEN has one."""


class Runtime:
    """Shared resources of one process, created lazily inside its event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop = asyncio.Event()
        self._store: Store | None = None
        self._store_lock = asyncio.Lock()
        self._clients: dict[str, GitHubClient] = {}
        # Set by the Prefect glue: builds a hook that paces one GitHub user's requests.
        self.request_pacer: Callable[[str], Callable[[], Awaitable[None]]] | None = None

    async def store(self) -> Store:
        """Return the process's store, opening it on first use."""
        async with self._store_lock:
            if self._store is None:
                try:
                    self._store = await Store.open(self.settings)
                except OSError as error:
                    raise StoreError(
                        f"cannot connect to SurrealDB at {self.settings.db_url}: {error}; start the "
                        "server or check --db-url (DB_URL)"
                    ) from error
        return self._store

    async def token_for(self, account_github_id: int) -> SecretStr:
        """Return the account's stored token, else GITHUB_TOKEN; raise if neither exists."""
        store = await self.store()
        token = await store.accounts.token(account_github_id) or self.settings.github_token
        if token is None:
            raise MissingTokenError(
                f"account {account_github_id} has no GitHub access token: store one in its "
                "account record (field access_token) or set GITHUB_TOKEN"
            )
        return token

    async def register_account(self, login: str) -> Account:
        """Create or update the account of a GitHub login, looked up on GitHub.

        The token comes from the account's record if it exists, else GITHUB_TOKEN.
        """
        store = await self.store()
        existing = await store.accounts.find(login)
        token = (await store.accounts.token(existing.id) if existing else None) or self.settings.github_token
        if token is None:
            raise MissingTokenError(
                f"no GitHub token for account {login!r}: set GITHUB_TOKEN (environment or .env)"
            )
        user = await self.client_for(token, login).get_user(login)
        return await store.accounts.upsert(user)

    def client_for(self, token: SecretStr | None, login: str | None = None) -> GitHubClient:
        """Return the shared GitHub client of this token, paced per `login` if configured."""
        secret = token.get_secret_value() if token else ""
        key = hashlib.sha256(secret.encode()).hexdigest()
        if key not in self._clients:
            pacer = None
            if self.request_pacer is not None and login is not None and self.settings.shared_rate_limit:
                pacer = self.request_pacer(login)
            self._clients[key] = GitHubClient(
                self.settings.github_api_url,
                token,
                per_page=self.settings.github_per_page,
                timeout=self.settings.github_timeout,
                before_request=pacer,
            )
        return self._clients[key]

    @property
    def requests_sent(self) -> int:
        """GitHub requests sent by every client of this process."""
        return sum(client.requests_sent for client in self._clients.values())

    async def close(self) -> None:
        """Close every client and the store."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        if self._store is not None:
            await self._store.close()
            self._store = None


_runtime: Runtime | None = None


def configured() -> bool:
    """Tell whether this process's runtime was set up already."""
    return _runtime is not None


def configure(settings: Settings) -> Runtime:
    """Set the settings of this process's runtime, replacing an unused earlier one."""
    global _runtime
    _runtime = Runtime(settings)
    return _runtime


def current() -> Runtime:
    """Return this process's runtime, configured from the environment unless set up already."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Settings())
    return _runtime


def reset() -> None:
    """Forget this process's runtime; the next `current()` builds a new one."""
    global _runtime
    _runtime = None
