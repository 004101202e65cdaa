"""JSON objects in the shapes of GitHub's REST API (version 2022-11-28).

`api` is the server's own base URL: every API URL inside an object points back at the fake
server, while `html_url` and `avatar_url` keep GitHub's public hosts, which clients do not fetch.
"""

from __future__ import annotations

import base64
import calendar
import time
from typing import Any

from gitstars.fakegithub.world import Repo, User

HTML_BASE = "https://github.com"
AVATAR_BASE = "https://avatars.githubusercontent.com/u"

# `{/name}` parts are RFC 6570 URI templates, copied as GitHub writes them.
_REPO_URL_SUFFIXES = (
    ("forks_url", "/forks"),
    ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
)

# Defaults for repository fields that a world may leave out.
_REPO_DEFAULTS: dict[str, Any] = {
    "description": None,
    "fork": False,
    "created_at": "2015-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "pushed_at": "2026-01-01T00:00:00Z",
    "homepage": None,
    "size": 0,
    "language": None,
    "forks_count": 0,
    "open_issues_count": 0,
    "license": None,
    "default_branch": "main",
    "archived": False,
    "disabled": False,
    "mirror_url": None,
    "has_issues": True,
    "has_projects": True,
    "has_downloads": True,
    "has_wiki": True,
    "has_pages": False,
    "topics": [],
}

# Profile fields of `GET /users/{login}` beyond the simple-user ones.
_PROFILE_DEFAULTS: dict[str, Any] = {
    "name": None,
    "company": None,
    "blog": "",
    "location": None,
    "email": None,
    "hireable": None,
    "bio": None,
    "twitter_username": None,
    "public_repos": 0,
    "public_gists": 0,
    "followers": 0,
    "following": 0,
    "created_at": "2015-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


def iso_timestamp(epoch_seconds: int) -> str:
    """Format epoch seconds as GitHub's `YYYY-MM-DDTHH:MM:SSZ`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def parse_timestamp(text: str) -> int:
    """Parse GitHub's `YYYY-MM-DDTHH:MM:SSZ` into epoch seconds."""
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def _node_id(prefix: str, number: int) -> str:
    # GitHub's legacy global ids are base64 of "<length>:<Type><id>". This is a plausible stand-in.
    raw = f"{len(prefix)}:{prefix}{number}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


def user_object(user: User, api: str) -> dict[str, Any]:
    """Build a `simple-user` object."""
    login = user.login
    user_url = f"{api}/users/{login}"
    kind = "Organization" if user.type == "Organization" else "User"
    return {
        "login": login,
        "id": user.id,
        "node_id": _node_id(kind, user.id),
        "avatar_url": f"{AVATAR_BASE}/{user.id}?v=4",
        "gravatar_id": "",
        "url": user_url,
        "html_url": f"{HTML_BASE}/{login}",
        "followers_url": f"{user_url}/followers",
        "following_url": f"{user_url}/following{{/other_user}}",
        "gists_url": f"{user_url}/gists{{/gist_id}}",
        "starred_url": f"{user_url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{user_url}/subscriptions",
        "organizations_url": f"{user_url}/orgs",
        "repos_url": f"{user_url}/repos",
        "events_url": f"{user_url}/events{{/privacy}}",
        "received_events_url": f"{user_url}/received_events",
        "type": user.type,
        "site_admin": user.site_admin,
    }


def profile_object(user: User, api: str, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the full user object of `GET /users/{login}` and `GET /user`."""
    body = user_object(user, api)
    body.update(_PROFILE_DEFAULTS)
    body.update(profile or {})
    return body


def repo_object(
    repo: Repo, api: str, owner: User | None = None, full_name: str | None = None
) -> dict[str, Any]:
    """Build a `repository` object.

    Args:
        repo: the repository.
        api: the server's base URL.
        owner: owner to show instead of the current one (a stale listing after a rename).
        full_name: `owner/name` to show instead of the current one.
    """
    owner = owner or repo.owner
    full_name = full_name or repo.full_name
    name = full_name.split("/", 1)[1]
    details = dict(_REPO_DEFAULTS)
    details.update(repo.details)
    repo_url = f"{api}/repos/{full_name}"
    count = repo.stargazers_count
    body: dict[str, Any] = {
        "id": repo.id,
        "node_id": _node_id("Repository", repo.id),
        "name": name,
        "full_name": full_name,
        "private": repo.private,
        "owner": user_object(owner, api),
        "html_url": f"{HTML_BASE}/{full_name}",
        "description": details["description"],
        "fork": details["fork"],
        "url": repo_url,
    }
    for field_name, suffix in _REPO_URL_SUFFIXES:
        body[field_name] = repo_url + suffix
    body.update(
        {
            "created_at": details["created_at"],
            "updated_at": details["updated_at"],
            "pushed_at": details["pushed_at"],
            "git_url": f"git://github.com/{full_name}.git",
            "ssh_url": f"git@github.com:{full_name}.git",
            "clone_url": f"{HTML_BASE}/{full_name}.git",
            "svn_url": f"{HTML_BASE}/{full_name}",
            "homepage": details["homepage"],
            "size": details["size"],
            "stargazers_count": count,
            "watchers_count": count,
            "language": details["language"],
            "has_issues": details["has_issues"],
            "has_projects": details["has_projects"],
            "has_downloads": details["has_downloads"],
            "has_wiki": details["has_wiki"],
            "has_pages": details["has_pages"],
            "forks_count": details["forks_count"],
            "mirror_url": details["mirror_url"],
            "archived": details["archived"],
            "disabled": details["disabled"],
            "open_issues_count": details["open_issues_count"],
            "license": details["license"],
            "topics": details["topics"],
            "visibility": "private" if repo.private else "public",
            "forks": details["forks_count"],
            "open_issues": details["open_issues_count"],
            "watchers": count,
            "default_branch": details["default_branch"],
        }
    )
    return body


def error_body(message: str, documentation_url: str, status: int | None = None) -> dict[str, Any]:
    """Build a `basic-error` body. Newer GitHub errors also carry the status as a string."""
    body: dict[str, Any] = {"message": message, "documentation_url": documentation_url}
    if status is not None:
        body["status"] = str(status)
    return body
