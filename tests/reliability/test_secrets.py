"""Secrets stay secret: the GitHub tokens and the database password of a whole run.

The account's token is in its `account.access_token`, as the web app stores it.
`GITHUB_TOKEN` contains a second valid token and `DB_PASS` a password, which the
embedded engine ignores. Prefect logs at DEBUG. After the run, and after a second run whose stored
token GitHub rejects, none of the secrets may appear in the output, in any file under
PREFECT_HOME (Prefect's database with its flow runs, task runs, logs and artifacts), or
in any database field other than `account.access_token`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import SecretStr

from gitstars.fakegithub import FakeGitHub, generate_world
from gitstars.models import GitHubUser
from gitstars.settings import Settings
from gitstars.store import Store
from gitstars.store.records import account_id
from tests.reliability.processes import start_cli, stop_group

pytestmark = pytest.mark.e2e

ACCOUNT = "account-1"
ACCOUNT_ID = 2_000_001
STORED_TOKEN = "ghp_RELIABILITYstoredTOKENa1b2c3d4e5f6g7"
FALLBACK_TOKEN = "ghp_RELIABILITYfallbackTOKEN9z8y7x6w5v4u"
REVOKED_TOKEN = "ghp_RELIABILITYrevokedTOKEN000111222333"
DB_PASSWORD = "dbpass-RELIABILITY-secret-7f3a9c"
SECRETS = (STORED_TOKEN, FALLBACK_TOKEN, REVOKED_TOKEN, DB_PASSWORD)


def secrets_in(text: str) -> list[str]:
    """Return the secrets that occur in `text`."""
    return [secret for secret in SECRETS if secret in text]


def secrets_in_files(root: Path) -> dict[str, list[str]]:
    """Return, per file under `root`, the secrets its raw bytes contain."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits = [secret for secret in SECRETS if secret.encode() in data]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def prefect_tables(database: Path) -> dict[str, int]:
    """Return the row count of each table of Prefect's SQLite database."""
    with sqlite3.connect(database) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def prefect_dump(database: Path) -> str:
    """Return every row of Prefect's SQLite database as SQL text."""
    with sqlite3.connect(database) as connection:
        return "\n".join(connection.iterdump())


async def surreal_dump(db_url: str) -> tuple[str, list[str]]:
    """Return every record of every table as text, leaving out `account.access_token`.

    Also returns the stored access tokens, to show the dump would have found them.
    """
    store = await Store.open(Settings(db_url=db_url))
    try:
        (info,) = await store.runner.query("INFO FOR DB;")
        texts, tokens = [], []
        for table in sorted(info["tables"]):
            (rows,) = await store.runner.query(f"SELECT * FROM {table};")
            for row in rows:
                if table == "account":
                    tokens.append(row.pop("access_token", None))
                texts.append(f"{table}: {row!r}")
        return "\n".join(texts), tokens
    finally:
        await store.close()


@pytest.fixture(scope="module")
async def runs(tmp_path_factory):
    """Run the main job with the stored token, then once more with a rejected one."""
    world = generate_world(71, [250, 40, 3], restricted_sizes=[5], blocked=1)
    world.tokens[STORED_TOKEN] = ACCOUNT
    world.tokens[FALLBACK_TOKEN] = ACCOUNT
    home = tmp_path_factory.mktemp("prefect-home")
    work = tmp_path_factory.mktemp("secrets")
    db_url = f"surrealkv://{work / 'db'}"

    store = await Store.open(Settings(db_url=db_url))
    await store.accounts.upsert(GitHubUser(id=ACCOUNT_ID, login=ACCOUNT), SecretStr(STORED_TOKEN))
    await store.close()

    env = {
        "GITHUB_TOKEN": FALLBACK_TOKEN,
        "DB_USER": "root",
        "DB_PASS": DB_PASSWORD,
        "PREFECT_LOGGING_LEVEL": "DEBUG",
    }
    with FakeGitHub(world) as server:
        args = ["run", "--account", ACCOUNT, "--github-api-url", server.url, "--db-url", db_url]
        first = start_cli(args, env=env, prefect_home=home, log_dir=work, name="first")
        try:
            first_code = first.wait()
        finally:
            stop_group(first)

        store = await Store.open(Settings(db_url=db_url))
        await store.runner.query(
            "UPDATE $account SET access_token = $access_token RETURN NONE;",
            {"account": account_id(ACCOUNT_ID), "access_token": REVOKED_TOKEN},
        )
        await store.close()
        rejected = start_cli(args, env=env, prefect_home=home, log_dir=work, name="rejected")
        try:
            rejected_code = rejected.wait()
        finally:
            stop_group(rejected)

    dump, stored_tokens = await surreal_dump(db_url)
    tables = prefect_tables(home / "prefect.db")
    print(
        f"\nsecrets: searched {len(list(home.rglob('*')))} paths under PREFECT_HOME, Prefect rows "
        f"{ {name: tables[name] for name in ('flow_run', 'task_run', 'log', 'artifact')} }, "
        f"{len(dump.splitlines())} SurrealDB records"
    )
    return {
        "home": home,
        "first": first,
        "first_code": first_code,
        "rejected": rejected,
        "rejected_code": rejected_code,
        "db_dir": work / "db",
        "dump": dump,
        "stored_tokens": stored_tokens,
    }


def test_runs_exit_as_expected(runs):
    assert runs["first_code"] == 0, runs["first"].stderr()[-3000:]
    assert runs["rejected_code"] == 1, runs["rejected"].stderr()[-3000:]
    assert "GitHub rejected the token for account 'account-1'" in runs["rejected"].stderr()


def test_output_has_no_secret(runs):
    assert "DEBUG" in runs["first"].stderr()
    for run in (runs["first"], runs["rejected"]):
        assert secrets_in(run.stdout()) == []
        assert secrets_in(run.stderr()) == []


def test_prefect_home_files_have_no_secret(runs):
    assert secrets_in_files(runs["home"]) == {}


def test_prefect_database_has_no_secret(runs):
    database = runs["home"] / "prefect.db"
    tables = prefect_tables(database)
    assert tables["flow_run"] >= 1
    assert tables["task_run"] >= 5
    assert tables["log"] >= 10
    assert secrets_in(prefect_dump(database)) == []


def test_database_has_token_only_in_access_token(runs):
    # The byte search finds the token where it belongs, so it would find it elsewhere.
    found = secrets_in_files(runs["db_dir"])
    assert REVOKED_TOKEN in {secret for hits in found.values() for secret in hits}
    assert runs["stored_tokens"] == [REVOKED_TOKEN]
    assert "last_error" in runs["dump"]
    assert secrets_in(runs["dump"]) == []
