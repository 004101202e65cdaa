"""Build and check the URLs that the GitHub client requests.

Every URL the client requests starts with its base URL, so the token in the
Authorization header only ever goes to the host the caller configured.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

# Query parameters that may appear in logs and error messages. Others are dropped because
# GitHub once accepted credentials such as `access_token` and `client_secret` in the query.
_LOGGABLE_PARAMS = frozenset({"page", "per_page"})

_REPOSITORY_BY_ID = re.compile(r"^/repositories/(?P<id>\d+)(?:/stargazers)?/?$")


def validate_base_url(base_url: str) -> str:
    """Check a REST API base URL and return it without a trailing slash.

    Both `https://api.github.com` and a GitHub Enterprise Server URL such as
    `https://ghe.example/api/v3` are valid.

    Raises:
        ValueError: The URL is not http or https, has no host, or has a query or fragment.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"invalid GitHub base URL {base_url!r}: the scheme must be http or https")
    if not parts.hostname:
        raise ValueError(f"invalid GitHub base URL {base_url!r}: the host is missing")
    if parts.query or parts.fragment:
        raise ValueError(
            f"invalid GitHub base URL {base_url!r}: remove the query and fragment"
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def build_url(base_url: str, path: str, params: dict[str, int | str] | None = None) -> str:
    """Join a validated base URL, an already quoted path and optional query parameters."""
    url = f"{base_url}{path}"
    if params:
        url = f"{url}?{urlencode(params)}"
    return url


def with_page(url: str, page: int) -> str:
    """Return the URL with its `page` query parameter set to `page`, keeping the others."""
    parts = urlsplit(url)
    pairs = [
        (name, value)
        for name, _, value in (item.partition("=") for item in parts.query.split("&") if item)
        if name != "page"
    ]
    pairs.append(("page", str(page)))
    query = "&".join(f"{name}={value}" for name, value in pairs)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def is_within_base(url: str, base_url: str) -> bool:
    """Tell whether `url` has the base URL's scheme, host and port and lies under its path."""
    target = urlsplit(url)
    base = urlsplit(base_url)
    if (target.scheme, target.hostname, target.port) != (base.scheme, base.hostname, base.port):
        return False
    return target.path == base.path or target.path.startswith(f"{base.path}/")


def loggable_path(url: str) -> str:
    """Return the URL's path and its `page`/`per_page` parameters, safe for logs and errors."""
    parts = urlsplit(url)
    loggable_params = [
        item
        for item in parts.query.split("&")
        if item and item.partition("=")[0] in _LOGGABLE_PARAMS
    ]
    path = parts.path or "/"
    return f"{path}?{'&'.join(loggable_params)}" if loggable_params else path


def repository_path(full_name: str) -> str:
    """Return `/repos/{owner}/{name}` with both parts percent-encoded.

    Raises:
        ValueError: `full_name` is not of the form `owner/name`.
    """
    owner, slash, name = full_name.partition("/")
    invalid = (
        not slash
        or not owner
        or not name
        or "/" in name
        or name in (".", "..")
        or any(character.isspace() for character in full_name)
    )
    if invalid:
        raise ValueError(
            f"invalid repository full name {full_name!r}: expected 'owner/name', "
            "for example 'octocat/hello-world'"
        )
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def user_path(login: str) -> str:
    """Return `/users/{login}` with the login percent-encoded.

    Raises:
        ValueError: The login is empty or contains a slash or whitespace.
    """
    if not login or "/" in login or any(character.isspace() for character in login):
        raise ValueError(f"invalid GitHub login {login!r}: expected a name such as 'octocat'")
    return f"/users/{quote(login, safe='')}"


def repository_id_from_location(location: str, base_url: str) -> int | None:
    """Return the repository id of a `/repositories/{id}[/stargazers]` redirect target.

    GitHub responds to a request for a renamed or transferred repository with a 301 to
    that form. The location may be absolute or relative to the base URL's host. None means
    the target has another form or lies outside the base URL.
    """
    parts = urlsplit(location)
    if (parts.scheme or parts.netloc) and not is_within_base(location, base_url):
        return None

    path = parts.path
    base_path = urlsplit(base_url).path
    if base_path and path.startswith(f"{base_path}/"):
        path = path[len(base_path) :]
    match = _REPOSITORY_BY_ID.match(path)
    return int(match.group("id")) if match else None
