"""Derive data/recorded_world.json from two recordings of the real GitHub API.

Run it by hand when the recordings change. The server loads only the derived file.

    python -m gitstars.fakegithub.build_recorded_data RECORDED_DIR

RECORDED_DIR must contain `user-starred-star-json-7-pages.json` (one account's 616 starred
repositories with `starred_at`) and `stargazers-star-json-301-then-5-pages.json` (the 301 of
a renamed repository, then its 484 stargazers). Each recording is a JSON document with an
`exchanges` list of `{"request": ..., "response": {"status", "headers", "body"}}`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

STARRED_FILE = "user-starred-star-json-7-pages.json"
STARGAZERS_FILE = "stargazers-star-json-301-then-5-pages.json"
OUTPUT = Path(__file__).parent / "data" / "recorded_world.json"

# Repository fields kept per row. Names, owners and every *_url are rebuilt by the server.
REPO_FIELDS = [
    "id",
    "owner",
    "name",
    "stargazers_count",
    "description",
    "fork",
    "created_at",
    "updated_at",
    "pushed_at",
    "homepage",
    "size",
    "language",
    "forks_count",
    "open_issues_count",
    "license",
    "default_branch",
    "archived",
    "mirror_url",
    "has_issues",
    "has_projects",
    "has_downloads",
    "has_wiki",
    "has_pages",
]
PROFILE_FIELDS = [
    "name",
    "company",
    "blog",
    "location",
    "email",
    "hireable",
    "bio",
    "public_repos",
    "public_gists",
    "followers",
    "following",
    "created_at",
    "updated_at",
]


def _bodies(document: dict[str, Any]) -> list[tuple[str, int, Any, dict[str, str]]]:
    rows = []
    for exchange in document["exchanges"]:
        response = exchange["response"]
        headers = {name.lower(): value for name, value in response["headers"]}
        rows.append((exchange["request"]["url"], response["status"], response["body"], headers))
    return rows


def _repo_row(repo: dict[str, Any], licenses: dict[str, Any]) -> list[Any]:
    license_object = repo.get("license")
    if license_object is not None:
        licenses.setdefault(
            license_object["key"],
            {key: license_object.get(key) for key in ("key", "name", "spdx_id", "url")},
        )
    row = []
    for name in REPO_FIELDS:
        if name == "owner":
            row.append(repo["owner"]["login"])
        elif name == "license":
            row.append(None if license_object is None else license_object["key"])
        else:
            row.append(repo.get(name))
    return row


def build(recorded_dir: Path) -> dict[str, Any]:
    """Build the compact recorded-world document from the two recordings.

    Raises:
        ValueError: a recording does not have the expected number of items.
    """
    starred_rows = _bodies(json.loads((recorded_dir / STARRED_FILE).read_text()))
    stargazer_rows = _bodies(json.loads((recorded_dir / STARGAZERS_FILE).read_text()))

    profile = starred_rows[0][2]
    starred_items = [item for _, _, body, _ in starred_rows[1:] for item in body]
    if len(starred_items) != 616:
        raise ValueError(f"expected 616 starred repositories, found {len(starred_items)}")

    moved_url, moved_status, moved_body, moved_headers = stargazer_rows[0]
    renamed_repo = stargazer_rows[1][2]
    stargazer_items = [item for _, _, body, _ in stargazer_rows[2:] for item in body]
    if moved_status != 301 or len(stargazer_items) != 484:
        raise ValueError("the stargazers recording must start with a 301 and hold 484 stargazers")
    old_name = moved_url.split("/repos/", 1)[1]

    licenses: dict[str, Any] = {}
    owners: dict[str, list[Any]] = {}
    repos = []
    # The newer recording of the renamed repository replaces its 2018 row from the starred list.
    for item in starred_items:
        repo = renamed_repo if item["repo"]["id"] == renamed_repo["id"] else item["repo"]
        owner = repo["owner"]
        owners[owner["login"]] = [owner["login"], owner["id"], owner["type"], owner["site_admin"]]
        repos.append(_repo_row(repo, licenses))

    # The recording lists the newest star first, but the world keeps stars oldest first.
    starred = [[item["repo"]["id"], item["starred_at"]] for item in reversed(starred_items)]
    stargazers = [
        [
            item["user"]["login"],
            item["user"]["id"],
            item["user"]["type"],
            item["user"]["site_admin"],
            item["starred_at"],
        ]
        for item in stargazer_items
    ]
    return {
        "derived_from": [STARRED_FILE, STARGAZERS_FILE],
        "recorded_at": starred_rows[1][3]["date"],
        "account": {
            "login": profile["login"],
            "id": profile["id"],
            "profile": {name: profile.get(name) for name in PROFILE_FIELDS},
        },
        "renames": [
            {
                "old_full_name": old_name,
                "repo_id": renamed_repo["id"],
                "moved_body": moved_body,
                "moved_date": moved_headers["date"],
            }
        ],
        "admins": {str(renamed_repo["id"]): [profile["login"]]},
        "licenses": licenses,
        "owners": sorted(owners.values()),
        "repo_fields": REPO_FIELDS,
        "repos": repos,
        "starred": starred,
        "stargazer_fields": ["login", "id", "type", "site_admin", "starred_at"],
        "stargazers": {str(renamed_repo["id"]): stargazers},
    }


def dump(document: dict[str, Any]) -> str:
    """Serialise with one row per line, so that a diff of the data file stays readable."""
    lines = ["{"]
    keys = list(document)
    for position, key in enumerate(keys):
        value = document[key]
        comma = "," if position < len(keys) - 1 else ""
        if key in ("repos", "starred", "owners"):
            rows = ",\n    ".join(json.dumps(row) for row in value)
            lines.append(f"  {json.dumps(key)}: [\n    {rows}\n  ]{comma}")
        elif key == "stargazers":
            parts = []
            for repo_id, rows in value.items():
                body = ",\n      ".join(json.dumps(row) for row in rows)
                parts.append(f"    {json.dumps(repo_id)}: [\n      {body}\n    ]")
            lines.append(f"  {json.dumps(key)}: {{\n" + ",\n".join(parts) + f"\n  }}{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write data/recorded_world.json from the recordings in the given folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recorded_dir", type=Path, help="folder that contains the recordings")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="file to write")
    args = parser.parse_args(argv)
    document = build(args.recorded_dir)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dump(document))
    print(f"wrote {args.output} ({len(document['repos'])} repositories)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
