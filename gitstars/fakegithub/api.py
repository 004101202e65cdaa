"""Routing and response bodies of the fake GitHub REST API, without any I/O.

`Api.handle` turns a parsed GET request into a `Reply`. The HTTP server adds the headers
that depend on the connection, the clock, rate limits and faults.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlencode

from gitstars.fakegithub.cache import BodyCache
from gitstars.fakegithub.paging import Query, last_page, link_header, parse_page_request
from gitstars.fakegithub.render import iso_timestamp, profile_object, repo_object, user_object
from gitstars.fakegithub.reply import (
    AUTHENTICATED_USER_DOCS,
    DOCS,
    PAGINATION_LIMITED,
    REPO_DOCS,
    RESTRICTED_MESSAGE,
    STARGAZERS_DOCS,
    STARRED_DOCS,
    USER_DOCS,
    PageInfo,
    Reply,
    blocked_reply,
    dumps,
    error_reply,
    moved_reply,
    ok_reply,
)
from gitstars.fakegithub.world import Repo, User, World

Restriction = Literal["404", "403", "empty"] | None
RESTRICTIONS: tuple[Restriction, ...] = ("404", "403", "empty", None)

_ROUTES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"/user"), "user", "authenticated_user"),
    (re.compile(r"/user/starred"), "starred", "authenticated_starred"),
    (re.compile(r"/user/(\d+)/starred"), "starred", "starred_by_id"),
    (re.compile(r"/users/([^/]+)"), "users", "user"),
    (re.compile(r"/users/([^/]+)/starred"), "starred", "starred_by_login"),
    (re.compile(r"/repos/([^/]+)/([^/]+)"), "repo", "repo_by_name"),
    (re.compile(r"/repositories/(\d+)"), "repo", "repo_by_id"),
    (re.compile(r"/repos/([^/]+)/([^/]+)/stargazers"), "stargazers", "stargazers_by_name"),
    (re.compile(r"/repositories/(\d+)/stargazers"), "stargazers", "stargazers_by_id"),
    (re.compile(r"/rate_limit"), "rate_limit", "rate_limit"),
]


def route_kind(path: str) -> str:
    """Return the route kind of a path ("stargazers", "repo", ...) or "unknown"."""
    for pattern, kind, _ in _ROUTES:
        if pattern.fullmatch(path):
            return kind
    return "unknown"


class Api:
    """Read-only endpoints that gitstars uses, served from a `World`."""

    def __init__(
        self,
        world: World,
        base_url: str,
        *,
        restriction: Restriction = "404",
        page_cap: int = 400,
        cache: BodyCache | None = None,
    ) -> None:
        if restriction not in RESTRICTIONS:
            raise ValueError(f"invalid restriction {restriction!r}; use one of {RESTRICTIONS}")
        self.world = world
        self.base_url = base_url
        self.restriction = restriction
        self.page_cap = page_cap
        self.cache = cache or BodyCache()

    def handle(self, path: str, query: Query, login: str | None, star: bool) -> Reply:
        """Return the response to a GET request sent with a token of `login` (None when anonymous).

        `star` is true when the client requested `application/vnd.github.star+json`.
        """
        for pattern, _, handler_name in _ROUTES:
            match = pattern.fullmatch(path)
            if match:
                handler = getattr(self, f"_{handler_name}")
                return handler(*match.groups(), query=query, login=login, star=star)
        return error_reply(404, "Not Found", DOCS)

    # Users

    def _profile(self, user: User) -> Reply:
        body = profile_object(user, self.base_url, self.world.profiles.get(user.id))
        return ok_reply(dumps(body))

    def _authenticated_user(self, *, login: str | None, **_: Any) -> Reply:
        user = self.world.user_by_login(login) if login else None
        if user is None:
            return error_reply(401, "Requires authentication", AUTHENTICATED_USER_DOCS)
        return self._profile(user)

    def _user(self, name: str, **_: Any) -> Reply:
        user = self.world.user_by_login(name)
        return self._profile(user) if user else error_reply(404, "Not Found", USER_DOCS)

    def _rate_limit(self, **_: Any) -> Reply:
        # The server responds to /rate_limit itself, because it needs the rate limiter.
        return error_reply(404, "Not Found", DOCS)

    # Starred repositories

    def _authenticated_starred(self, *, query: Query, login: str | None, star: bool) -> Reply:
        user = self.world.user_by_login(login) if login else None
        if user is None:
            return error_reply(401, "Requires authentication", STARRED_DOCS)
        return self._starred(user, "/user/starred", query, login, star)

    def _starred_by_id(self, user_id: str, *, query: Query, login: str | None, star: bool) -> Reply:
        user = self.world.user_by_id(int(user_id))
        if user is None:
            return error_reply(404, "Not Found", STARRED_DOCS)
        return self._starred(user, f"/user/{user.id}/starred", query, login, star)

    def _starred_by_login(self, name: str, *, query: Query, login: str | None, star: bool) -> Reply:
        user = self.world.user_by_login(name)
        if user is None:
            return error_reply(404, "Not Found", STARRED_DOCS)
        return self._starred(user, f"/users/{name}/starred", query, login, star)

    def _starred(self, user: User, path: str, query: Query, login: str | None, star: bool) -> Reply:
        request = parse_page_request(query)
        newest_first = dict(query).get("direction", "desc") != "asc"
        # NOTE: sort=updated is accepted but ignored, so lists are always sorted by star time.
        stars = [
            (repo_id, starred_at)
            for repo_id, starred_at in self.world.starred_by(user.id)
            if repo_id in self.world.repos and self.world.repos[repo_id].is_visible_to(login)
        ]
        if newest_first:
            stars.reverse()
        selected = stars[request.start : request.stop]
        key = ("starred", user.id, (login or "").lower(), newest_first, request, star)

        def render() -> bytes:
            items = []
            for repo_id, starred_at in selected:
                repo_body = self._listed_repo(self.world.repos[repo_id])
                items.append(
                    {"starred_at": iso_timestamp(starred_at), "repo": repo_body}
                    if star
                    else repo_body
                )
            return dumps(items)

        body, etag = self.cache.get_or_render(key, render)
        last = last_page(len(stars), request.per_page)
        reply = ok_reply(body, etag)
        url = self.base_url + path
        links = link_header(url, query, request.page, last)
        if links:
            reply.headers.append(("Link", links))
        reply.page = PageInfo(url, query, request.page, last)
        return reply

    def _listed_repo(self, repo: Repo) -> dict[str, Any]:
        if repo.listed_as is None:
            return repo_object(repo, self.base_url)
        old_owner = self.world.user_by_login(repo.listed_as.split("/", 1)[0])
        return repo_object(repo, self.base_url, owner=old_owner, full_name=repo.listed_as)

    # Repositories

    def _find_repo(
        self, owner: str, name: str, suffix: str, query: Query, docs: str
    ) -> Repo | Reply:
        full_name = f"{owner}/{name}"
        repo = self.world.repo_by_name(full_name)
        if repo is not None:
            return repo
        moved = self.world.renamed_repo(full_name)
        if moved is not None:
            target = f"{self.base_url}/repositories/{moved.id}{suffix}"
            return moved_reply(target + (f"?{urlencode(query)}" if query else ""))
        return error_reply(404, "Not Found", docs)

    def _check_access(self, repo: Repo, login: str | None, docs: str) -> Reply | None:
        if not repo.is_visible_to(login):
            return error_reply(404, "Not Found", docs)
        if repo.blocked is not None:
            return blocked_reply(repo.blocked)
        return None

    def _repo(self, repo: Repo, login: str | None) -> Reply:
        refused = self._check_access(repo, login, REPO_DOCS)
        if refused is not None:
            return refused
        body, etag = self.cache.get_or_render(
            ("repo", repo.id), lambda: dumps(repo_object(repo, self.base_url))
        )
        return ok_reply(body, etag)

    def _repo_by_name(
        self, owner: str, name: str, *, query: Query, login: str | None, **_: Any
    ) -> Reply:
        found = self._find_repo(owner, name, "", query, REPO_DOCS)
        return found if isinstance(found, Reply) else self._repo(found, login)

    def _repo_by_id(self, repo_id: str, *, login: str | None, **_: Any) -> Reply:
        repo = self.world.repos.get(int(repo_id))
        return self._repo(repo, login) if repo else error_reply(404, "Not Found", REPO_DOCS)

    # Stargazers

    def _stargazers_by_name(
        self, owner: str, name: str, *, query: Query, login: str | None, star: bool
    ) -> Reply:
        found = self._find_repo(owner, name, "/stargazers", query, STARGAZERS_DOCS)
        return found if isinstance(found, Reply) else self._stargazers(found, query, login, star)

    def _stargazers_by_id(
        self, repo_id: str, *, query: Query, login: str | None, star: bool
    ) -> Reply:
        repo = self.world.repos.get(int(repo_id))
        if repo is None:
            return error_reply(404, "Not Found", STARGAZERS_DOCS)
        return self._stargazers(repo, query, login, star)

    def _stargazers(self, repo: Repo, query: Query, login: str | None, star: bool) -> Reply:
        refused = self._check_access(repo, login, STARGAZERS_DOCS)
        if refused is not None:
            return refused
        if self.restriction is not None and not repo.is_member(login):
            if self.restriction == "404":
                return error_reply(404, "Not Found", STARGAZERS_DOCS)
            if self.restriction == "403":
                return error_reply(403, RESTRICTED_MESSAGE, STARGAZERS_DOCS)
            return ok_reply(b"[]")

        request = parse_page_request(query)
        if request.page > self.page_cap:
            return Reply(422, dumps(PAGINATION_LIMITED))
        key = ("stargazers", repo.id, request, star)
        body, etag = self.cache.get_or_render(
            key, lambda: self._render_stargazers(repo, request.start, request.stop, star)
        )
        reply = ok_reply(body, etag)
        reply.users = True
        # GitHub links stargazer pages by repository id, whatever name the request used.
        url = f"{self.base_url}/repositories/{repo.id}/stargazers"
        last = last_page(repo.stargazers_count, request.per_page, self.page_cap)
        links = link_header(url, query, request.page, last)
        if links:
            reply.headers.append(("Link", links))
        reply.page = PageInfo(url, query, request.page, last)
        return reply

    def _render_stargazers(self, repo: Repo, start: int, stop: int, star: bool) -> bytes:
        items: list[dict[str, Any]] = []
        for user_id, starred_at in repo.stargazers.slice(start, stop):
            user = self.world.user_by_id(user_id)
            if user is None:
                raise LookupError(
                    f"stargazer {user_id} of {repo.full_name} is not a user of the world"
                )
            user_body = user_object(user, self.base_url)
            items.append(
                {"starred_at": iso_timestamp(starred_at), "user": user_body} if star else user_body
            )
        return dumps(items)
