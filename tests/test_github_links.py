"""Unit tests of `Link` header parsing and URL helpers of the GitHub client."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from gitstars.github.links import page_number, parse_link_header
from gitstars.github.urls import (
    is_within_base,
    loggable_path,
    repository_id_from_location,
    repository_path,
    user_path,
    validate_base_url,
    with_page,
)

DATA = Path(__file__).parent / "data" / "github_client"
GHES = "https://ghe.example/api/v3"


def recorded_link(page_index: int) -> str:
    recording = json.loads(gzip.decompress((DATA / "stargazers-star-json-301-then-5-pages.json.gz").read_bytes()))
    headers = dict(recording["exchanges"][2 + page_index]["response"]["headers"])
    return headers["Link"]


def test_link_recorded_first_page() -> None:
    links = parse_link_header(recorded_link(0))
    assert links == {
        "next": "https://api.github.com/repositories/11439734/stargazers?per_page=100&page=2",
        "last": "https://api.github.com/repositories/11439734/stargazers?per_page=100&page=5",
    }


def test_link_recorded_middle_page() -> None:
    links = parse_link_header(recorded_link(2))
    assert set(links) == {"prev", "next", "last", "first"}
    assert page_number(links["next"]) == 4
    assert page_number(links["prev"]) == 2


def test_link_recorded_last_page_has_no_next() -> None:
    assert "next" not in parse_link_header(recorded_link(4))


def test_link_missing_header() -> None:
    assert parse_link_header(None) == {}


def test_link_several_rels_and_commas() -> None:
    value = '<https://x.test/a?q=1,2&page=3>; rel="next last", <https://x.test/a?page=1>; rel=first'
    links = parse_link_header(value)
    assert links["next"] == "https://x.test/a?q=1,2&page=3"
    assert links["last"] == "https://x.test/a?q=1,2&page=3"
    assert links["first"] == "https://x.test/a?page=1"


def test_link_entry_without_rel_ignored() -> None:
    assert parse_link_header('<https://x.test/a>; title="x"') == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.github.com/x?per_page=100&page=7", 7),
        ("https://api.github.com/x?page=2&page=3", 3),
        ("https://api.github.com/x?per_page=100", None),
        ("https://api.github.com/x?page=0", None),
        ("https://api.github.com/x?page=two", None),
    ],
)
def test_page_number(url: str, expected: int | None) -> None:
    assert page_number(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.github.com", "https://api.github.com"),
        ("https://api.github.com/", "https://api.github.com"),
        (f"{GHES}/", GHES),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_base_url_valid(url: str, expected: str) -> None:
    assert validate_base_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["ftp://api.github.com", "api.github.com", "https://", "https://x.test/?token=1", "https://x.test/#a"],
)
def test_base_url_invalid(url: str) -> None:
    with pytest.raises(ValueError, match="invalid GitHub base URL"):
        validate_base_url(url)


def test_within_base_ghes_path() -> None:
    assert is_within_base(f"{GHES}/repositories/1/stargazers?page=2", GHES)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.github.com/repositories/1/stargazers?page=2",
        "http://ghe.example/api/v3/repositories/1",
        "https://ghe.example:8443/api/v3/repositories/1",
        "https://ghe.example/api/v30/repositories/1",
        "https://ghe.example/repositories/1",
    ],
)
def test_within_base_rejects(url: str) -> None:
    assert not is_within_base(url, GHES)


def test_loggable_path_drops_secret_params() -> None:
    url = "https://api.github.com/user/starred?access_token=abc&per_page=100&page=2&client_secret=def"
    assert loggable_path(url) == "/user/starred?per_page=100&page=2"


def test_loggable_path_without_query() -> None:
    assert loggable_path("https://api.github.com/user") == "/user"


def test_with_page_replaces_page() -> None:
    url = "https://api.github.com/repositories/1/stargazers?per_page=100&page=2"
    assert with_page(url, 3) == "https://api.github.com/repositories/1/stargazers?per_page=100&page=3"


def test_repository_path_quotes_parts() -> None:
    assert repository_path("octo-org/hello.world") == "/repos/octo-org/hello.world"
    assert repository_path("a/b%c") == "/repos/a/b%25c"


@pytest.mark.parametrize("name", ["octocat", "octocat/", "/repo", "a/b/c", "a/..", "a b/c", ""])
def test_repository_path_invalid(name: str) -> None:
    with pytest.raises(ValueError, match="invalid repository full name") as caught:
        repository_path(name)
    assert repr(name) in str(caught.value)


@pytest.mark.parametrize("login", ["", "a/b", "a b"])
def test_user_path_invalid(login: str) -> None:
    with pytest.raises(ValueError, match="invalid GitHub login"):
        user_path(login)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://api.github.com/repositories/11439734", 11439734),
        ("https://api.github.com/repositories/11439734/stargazers?per_page=100&page=1", 11439734),
        ("/repositories/42", 42),
        ("https://evil.example/repositories/42", None),
        ("https://api.github.com/repos/a/b", None),
        ("https://api.github.com/repositories/42/forks", None),
    ],
)
def test_repository_id_from_location(location: str, expected: int | None) -> None:
    assert repository_id_from_location(location, "https://api.github.com") == expected


def test_repository_id_from_ghes_location() -> None:
    assert repository_id_from_location(f"{GHES}/repositories/7/stargazers", GHES) == 7
