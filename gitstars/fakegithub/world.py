"""In-memory model of a GitHub world: users, repositories, stars, renames and tokens.

The model contains data only. `server` and `api` turn it into HTTP responses. Logins and
repository names are matched case-insensitively, as on GitHub. Timestamps are epoch seconds.
"""

from __future__ import annotations

import hashlib
from bisect import insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitstars.fakegithub.stargazers import ExplicitStargazers, StargazerList

# GitHub keeps the stars of deleted accounts under this placeholder user.
GHOST_LOGIN = "ghost"
GHOST_ID = 10137


@dataclass(frozen=True, slots=True)
class User:
    """A user or organisation account."""

    id: int
    login: str
    type: str = "User"
    site_admin: bool = False


@dataclass(frozen=True, slots=True)
class UserPool:
    """Generated users that exist only as arithmetic, so that they cost no memory.

    Pool user `k` (0 <= k < size) has id `first_id + k` and login `prefix + str(k)`.
    """

    first_id: int
    size: int
    prefix: str = "stargazer-"

    def user(self, index: int) -> User:
        """Return pool user `index`."""
        return User(id=self.first_id + index, login=f"{self.prefix}{index}")

    def index_of_id(self, user_id: int) -> int | None:
        """Return the pool index of `user_id`, or None when the id is outside the pool."""
        index = user_id - self.first_id
        return index if 0 <= index < self.size else None

    def index_of_login(self, login: str) -> int | None:
        """Return the pool index of `login`, or None when the login is not a pool login."""
        if not login.lower().startswith(self.prefix.lower()):
            return None
        digits = login[len(self.prefix) :]
        # "stargazer-007" must not resolve to pool user 7, whose login is "stargazer-7".
        if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
            return None
        index = int(digits)
        return index if index < self.size else None


@dataclass(frozen=True, slots=True)
class Block:
    """DMCA takedown that makes a repository respond with 451, with its notice."""

    reason: str = "dmca"
    created_at: str = "2021-04-22T17:53:56Z"
    html_url: str = "https://github.com/github/dmca/blob/master/2021/04/2021-04-20-notice.md"


@dataclass(eq=False)
class Repo:
    """A repository and who may list its stargazers.

    `listed_as` is an old full name that starred lists still show after a rename, so a
    client that follows it meets the 301. `details` contains the plain repository fields
    (description, created_at, license, ...) in GitHub's names.
    """

    id: int
    owner: User
    name: str
    stargazers: StargazerList
    private: bool = False
    admins: frozenset[str] = frozenset()
    collaborators: frozenset[str] = frozenset()
    blocked: Block | None = None
    listed_as: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        """The current `owner/name`."""
        return f"{self.owner.login}/{self.name}"

    @property
    def stargazers_count(self) -> int:
        """Number of stars, as the repository object reports it."""
        return len(self.stargazers)

    def is_member(self, login: str | None) -> bool:
        """Tell whether `login` owns, administers or collaborates on the repository."""
        if login is None:
            return False
        key = login.lower()
        return key == self.owner.login.lower() or key in self.admins or key in self.collaborators

    def is_visible_to(self, login: str | None) -> bool:
        """Tell whether `login` may see the repository at all (private ones need membership)."""
        return not self.private or self.is_member(login)


class World:
    """Users, repositories, stars, renames and tokens of one fake GitHub.

    Build a world before the server starts. Reads from several server threads are safe.
    Changes while a server runs are not locked and may not show in cached pages.
    """

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.pools: list[UserPool] = []
        self.repos: dict[int, Repo] = {}
        self.renames: dict[str, int] = {}
        self.starred: dict[int, list[tuple[int, int]]] = {}
        self.tokens: dict[str, str] = {}
        # Extra fields of `GET /users/{login}` (name, followers, created_at, ...) per user id.
        self.profiles: dict[int, dict[str, Any]] = {}
        self._logins: dict[str, int] = {}
        self._names: dict[str, int] = {}
        self._next_user_id = 1000
        self._next_repo_id = 1000

    def add_user(
        self,
        login: str,
        user_id: int | None = None,
        *,
        type: str = "User",
        site_admin: bool = False,
    ) -> User:
        """Add an account, or return the existing one with the same login and id.

        Raises:
            ValueError: the login or id already belongs to a different account.
        """
        existing = self.user_by_login(login)
        if existing is not None and (user_id is None or existing.id == user_id):
            return existing
        if existing is not None or (user_id is not None and self.user_by_id(user_id)):
            raise ValueError(f"user {login!r} (id {user_id}) clashes with an existing user")
        if user_id is None:
            user_id = self._next_user_id
        self._next_user_id = max(self._next_user_id, user_id + 1)
        user = User(id=user_id, login=login, type=type, site_admin=site_admin)
        self.users[user_id] = user
        self._logins[login.lower()] = user_id
        return user

    def add_pool(self, pool: UserPool) -> UserPool:
        """Add generated users. Their ids must not overlap the ids of explicit users."""
        self.pools.append(pool)
        return pool

    def add_repo(
        self,
        owner: str,
        name: str,
        *,
        repo_id: int | None = None,
        stargazers: StargazerList | None = None,
        private: bool = False,
        admins: Iterable[str] = (),
        collaborators: Iterable[str] = (),
        blocked: Block | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Repo:
        """Add a repository of an existing owner.

        Raises:
            KeyError: the owner login is unknown.
            ValueError: the id or full name is taken.
        """
        owner_user = self.user_by_login(owner)
        if owner_user is None:
            raise KeyError(f"unknown owner {owner!r}; add the user first")
        if repo_id is None:
            repo_id = self._next_repo_id
        if repo_id in self.repos or f"{owner}/{name}".lower() in self._names:
            raise ValueError(f"repository {owner}/{name} (id {repo_id}) already exists")
        self._next_repo_id = max(self._next_repo_id, repo_id + 1)
        repo = Repo(
            id=repo_id,
            owner=owner_user,
            name=name,
            stargazers=stargazers if stargazers is not None else ExplicitStargazers(),
            private=private,
            admins=frozenset(login.lower() for login in admins),
            collaborators=frozenset(login.lower() for login in collaborators),
            blocked=blocked,
            details=dict(details or {}),
        )
        self.repos[repo_id] = repo
        self._names[repo.full_name.lower()] = repo_id
        return repo

    def rename(self, old_full_name: str, repo_id: int, *, still_listed: bool = False) -> None:
        """Record that `old_full_name` moved to repository `repo_id`.

        With `still_listed`, starred lists show the repository under the old name.
        """
        repo = self.repos[repo_id]
        self.renames[old_full_name.lower()] = repo_id
        if still_listed:
            repo.listed_as = old_full_name

    def star(self, login: str, repo_id: int, starred_at: int) -> None:
        """Add `repo_id` to the starred list of `login`, kept oldest first.

        The repository's stargazer list is not changed, so builders keep both sides in step.
        """
        user = self.user_by_login(login)
        if user is None:
            raise KeyError(f"unknown user {login!r}")
        insort(self.starred.setdefault(user.id, []), (repo_id, starred_at), key=lambda s: s[1])

    def issue_token(self, login: str) -> str:
        """Create a token for `login` and return it. Tokens are deterministic per world."""
        user = self.user_by_login(login)
        if user is None:
            raise KeyError(f"unknown user {login!r}")
        # Derived from the login and the number of tokens so far, so reruns get equal tokens.
        digest = hashlib.sha256(f"{user.login}:{len(self.tokens)}".encode()).hexdigest()
        token = f"ghp_{digest[:36]}"
        self.tokens[token] = user.login
        return token

    def token_for(self, login: str) -> str | None:
        """Return the first token issued for `login`, or None."""
        for token, owner in self.tokens.items():
            if owner.lower() == login.lower():
                return token
        return None

    def login_for_token(self, token: str) -> str | None:
        """Return the login that `token` authenticates, or None for an unknown token."""
        return self.tokens.get(token)

    def user_by_login(self, login: str) -> User | None:
        """Return the explicit or generated user with this login, or None."""
        user_id = self._logins.get(login.lower())
        if user_id is not None:
            return self.users[user_id]
        for pool in self.pools:
            index = pool.index_of_login(login)
            if index is not None:
                return pool.user(index)
        return None

    def user_by_id(self, user_id: int) -> User | None:
        """Return the explicit or generated user with this id, or None."""
        user = self.users.get(user_id)
        if user is not None:
            return user
        for pool in self.pools:
            index = pool.index_of_id(user_id)
            if index is not None:
                return pool.user(index)
        return None

    def repo_by_name(self, full_name: str) -> Repo | None:
        """Return the repository whose current name is `full_name`, or None."""
        repo_id = self._names.get(full_name.lower())
        return None if repo_id is None else self.repos[repo_id]

    def renamed_repo(self, full_name: str) -> Repo | None:
        """Return the repository that used to be called `full_name`, or None."""
        repo_id = self.renames.get(full_name.lower())
        return None if repo_id is None else self.repos.get(repo_id)

    def starred_by(self, user_id: int) -> list[tuple[int, int]]:
        """Return the `(repo_id, starred_at)` list of a user, oldest first."""
        return self.starred.get(user_id, [])
