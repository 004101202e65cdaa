"""Follow the `account` table's change feed from a cursor kept in the database.

The embedded engine has no live queries, but it keeps a change feed. `SHOW CHANGES`
takes its start only as a literal number, so the cursor (a plain int read from the
database) is the one value formatted into the query text.
"""

from __future__ import annotations

from dataclasses import dataclass

from surrealdb import RecordID

from gitstars.store.connection import QueryRunner

CURSOR_ID = RecordID("listener_cursor", "account")


@dataclass(frozen=True)
class AccountChange:
    """One change to an `account` record: `created`, `updated` or `deleted`."""

    kind: str
    github_id: int


def next_cursor(versionstamp: int) -> int:
    """Return the cursor after a change with this versionstamp.

    The surrealdb 2.x engine reports versionstamps shifted left by 16 bits, and `SINCE`
    takes the unshifted number.
    """
    return (versionstamp >> 16) + 1


def parse_changes(batches: list[dict]) -> tuple[list[AccountChange], int | None]:
    """Turn `SHOW CHANGES` output into account changes and the cursor after the last one."""
    changes: list[AccountChange] = []
    cursor = None
    for batch in batches:
        cursor = next_cursor(int(batch["versionstamp"]))
        for change in batch.get("changes", []):
            if "delete" in change:
                changes.append(AccountChange("deleted", int(change["delete"]["id"].id)))
            elif isinstance(change.get("update"), dict):
                # A create arrives as a whole record; an update as a diff plus `current`.
                changes.append(AccountChange("created", int(change["update"]["id"].id)))
            elif "current" in change:
                changes.append(AccountChange("updated", int(change["current"]["id"].id)))
    return changes, cursor


class AccountFeed:
    """The account change feed and its stored cursor."""

    def __init__(self, runner: QueryRunner, batch_size: int = 1000) -> None:
        self._runner = runner
        self._batch_size = int(batch_size)

    async def cursor(self) -> int:
        """Return the stored cursor, or 0 to read the feed from its start."""
        (row,) = await self._runner.query("SELECT since FROM ONLY $cursor;", {"cursor": CURSOR_ID})
        return int((row or {}).get("since") or 0)

    async def save_cursor(self, since: int) -> None:
        """Store the cursor after the changes that were handled."""
        await self._runner.query(
            "UPSERT $cursor SET since = $since, updated_at = time::now() RETURN NONE;",
            {"cursor": CURSOR_ID, "since": since},
        )

    async def read(self, since: int) -> tuple[list[AccountChange], int]:
        """Return the changes from `since` and the cursor after them (unchanged if none)."""
        (batches,) = await self._runner.query(
            f"SHOW CHANGES FOR TABLE account SINCE {int(since)} LIMIT {self._batch_size};"
        )
        changes, cursor = parse_changes(batches or [])
        return changes, cursor if cursor is not None else since
