"""The SurrealDB schema: the data contract between gitstars and the web app.

Applied at every start. `IF NOT EXISTS` keeps tables and indexes, and `OVERWRITE`
redefines fields, so running it again changes nothing and a newer version of gitstars
can widen a field in place. README.md describes each table for the web app's developers.
"""

from __future__ import annotations

from gitstars.models import RepoStatus
from gitstars.store.connection import QueryRunner

SCHEMA_VERSION = 1
CHANGEFEED_RETENTION = "7d"

_STATUSES = ", ".join(f"'{status.value}'" for status in RepoStatus)

SCHEMA = f"""
DEFINE TABLE IF NOT EXISTS account SCHEMAFULL CHANGEFEED {CHANGEFEED_RETENTION} INCLUDE ORIGINAL;
DEFINE FIELD OVERWRITE login ON account TYPE string;
DEFINE FIELD OVERWRITE access_token ON account TYPE option<string>;
DEFINE FIELD OVERWRITE created_at ON account TYPE datetime DEFAULT time::now();
DEFINE FIELD OVERWRITE updated_at ON account TYPE datetime DEFAULT time::now();
DEFINE INDEX IF NOT EXISTS account_login ON account FIELDS login;

DEFINE TABLE IF NOT EXISTS repo SCHEMAFULL;
DEFINE FIELD OVERWRITE full_name ON repo TYPE string;
DEFINE FIELD OVERWRITE previous_names ON repo TYPE array<string> DEFAULT [];
DEFINE FIELD OVERWRITE owner_login ON repo TYPE string;
DEFINE FIELD OVERWRITE stargazers_count ON repo TYPE int DEFAULT 0;
DEFINE FIELD OVERWRITE status ON repo TYPE string DEFAULT 'pending' ASSERT $value IN [{_STATUSES}];
DEFINE FIELD OVERWRITE next_page ON repo TYPE int DEFAULT 1;
DEFINE FIELD OVERWRITE pages_fetched ON repo TYPE int DEFAULT 0;
DEFINE FIELD OVERWRITE stargazers_fetched ON repo TYPE int DEFAULT 0;
DEFINE FIELD OVERWRITE requests ON repo TYPE int DEFAULT 0;
DEFINE FIELD OVERWRITE truncated ON repo TYPE bool DEFAULT false;
DEFINE FIELD OVERWRITE attempts ON repo TYPE int DEFAULT 0;
DEFINE FIELD OVERWRITE claim_owner ON repo TYPE option<string>;
DEFINE FIELD OVERWRITE claim_token ON repo TYPE option<string>;
DEFINE FIELD OVERWRITE lease_expires_at ON repo TYPE option<datetime>;
DEFINE FIELD OVERWRITE last_error ON repo TYPE option<string>;
DEFINE FIELD OVERWRITE error_kind ON repo TYPE option<string>;
DEFINE FIELD OVERWRITE page_etags ON repo FLEXIBLE TYPE object DEFAULT {{}};
DEFINE FIELD OVERWRITE created_at ON repo TYPE datetime DEFAULT time::now();
DEFINE FIELD OVERWRITE updated_at ON repo TYPE datetime DEFAULT time::now();
DEFINE FIELD OVERWRITE started_at ON repo TYPE option<datetime>;
DEFINE FIELD OVERWRITE finished_at ON repo TYPE option<datetime>;
DEFINE INDEX IF NOT EXISTS repo_status ON repo FIELDS status;

DEFINE TABLE IF NOT EXISTS starred_repo TYPE RELATION IN account OUT repo SCHEMAFULL;
DEFINE FIELD OVERWRITE starred_at ON starred_repo TYPE option<datetime>;

DEFINE TABLE IF NOT EXISTS github_user SCHEMAFULL;
DEFINE FIELD OVERWRITE login ON github_user TYPE string;
DEFINE FIELD OVERWRITE avatar_url ON github_user TYPE option<string>;
DEFINE FIELD OVERWRITE html_url ON github_user TYPE option<string>;
DEFINE FIELD OVERWRITE type ON github_user TYPE string DEFAULT 'User';
DEFINE FIELD OVERWRITE site_admin ON github_user TYPE bool DEFAULT false;
DEFINE FIELD OVERWRITE updated_at ON github_user TYPE datetime DEFAULT time::now();

DEFINE TABLE IF NOT EXISTS starred TYPE RELATION IN github_user OUT repo SCHEMAFULL;
DEFINE FIELD OVERWRITE starred_at ON starred TYPE option<datetime>;

DEFINE TABLE IF NOT EXISTS account_lock SCHEMAFULL;
DEFINE FIELD OVERWRITE owner ON account_lock TYPE string;
DEFINE FIELD OVERWRITE lease_expires_at ON account_lock TYPE datetime;

DEFINE TABLE IF NOT EXISTS listener_cursor SCHEMAFULL;
DEFINE FIELD OVERWRITE since ON listener_cursor TYPE int;
DEFINE FIELD OVERWRITE updated_at ON listener_cursor TYPE datetime DEFAULT time::now();

DEFINE TABLE IF NOT EXISTS schema_version SCHEMAFULL;
DEFINE FIELD OVERWRITE version ON schema_version TYPE int;
UPSERT schema_version:current SET version = {SCHEMA_VERSION};
"""


async def apply_schema(runner: QueryRunner) -> None:
    """Define every table, field and index; safe to run on every start."""
    await runner.query(SCHEMA)
