"""The SurrealDB connection block."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from gitstars.settings import DatabaseSettings
from gitstars.store import Store


class SurrealDBConnection(Block):
    """Connection to the SurrealDB database of accounts, repositories, users and `starred` edges.

    A `ws://` URL reaches a SurrealDB server through a connection pool. A `surrealkv://`
    URL opens an embedded database file, which only one process may open at a time.

    Example:
        Open the store of a saved block:
        ```python
        from blocks import SurrealDBConnection

        connection = SurrealDBConnection.load("BLOCK_NAME")
        store = await connection.open_store()
        ```
    """

    _block_type_name = "gitstars SurrealDB connection"
    _block_type_slug = "gitstars-surrealdb-connection"
    _documentation_url = "https://surrealdb.com/docs/sdk/python"

    url: str = Field(
        default="ws://localhost:8000",
        description="SurrealDB URL: ws://HOST:PORT for a server, or surrealkv://PATH for an embedded file.",
        examples=["ws://surrealdb.internal:8000", "surrealkv:///var/lib/gitstars"],
    )
    user: str | None = Field(default=None, description="User name to sign in with (servers only).")
    password: SecretStr | None = Field(default=None, description="Password to sign in with (servers only).")
    namespace: str = Field(default="gitstars", description="SurrealDB namespace.")
    database: str = Field(default="stars", description="SurrealDB database.")
    pool_max_size: int = Field(default=10, ge=1, description="Maximum open connections to a server (connections).")
    pool_min_idle: int = Field(default=2, ge=0, description="Idle connections kept open to a server (connections).")
    connection_timeout: float = Field(
        default=30.0, gt=0, description="Time to wait for a free pooled connection (seconds)."
    )

    def settings(self) -> DatabaseSettings:
        """Return the database settings this block describes."""
        return DatabaseSettings(
            db_url=self.url,
            db_user=self.user,
            db_pass=self.password,
            db_namespace=self.namespace,
            db_database=self.database,
            db_pool_max_size=self.pool_max_size,
            db_pool_min_idle=self.pool_min_idle,
            db_connection_timeout=self.connection_timeout,
        )

    async def open_store(self) -> Store:
        """Connect, apply the schema, and return the store."""
        return await Store.open(self.settings())
