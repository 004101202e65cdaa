"""Page parameters and `Link` headers, as GitHub's REST API paginates lists."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

Query = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page a client asked for: 1-based `page` of `per_page` items."""

    page: int
    per_page: int

    @property
    def start(self) -> int:
        """Index of the page's first item."""
        return (self.page - 1) * self.per_page

    @property
    def stop(self) -> int:
        """Index after the page's last item."""
        return self.page * self.per_page


def _parse_positive(text: str | None, default: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def parse_page_request(query: Query) -> PageRequest:
    """Read `page` and `per_page` the lenient way GitHub does.

    Invalid or non-positive values fall back to page 1 and 30 per page, and `per_page`
    above 100 is lowered to 100.
    """
    values = dict(query)
    page = _parse_positive(values.get("page"), 1)
    per_page = min(_parse_positive(values.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return PageRequest(page=page, per_page=per_page)


def last_page(total: int, per_page: int, page_cap: int | None = None) -> int:
    """Return the number of the last page, at least 1, and at most `page_cap` when given."""
    pages = max(1, -(-total // per_page))
    return min(pages, page_cap) if page_cap else pages


def link_header(url: str, query: Query, page: int, last: int) -> str | None:
    """Build the `Link` header of page `page` out of `last`, or None for a single page.

    Links keep the request's other query parameters in their order and put `page` last,
    as GitHub does. Relations come in GitHub's order: prev, next, last, first.
    """
    if last <= 1 and page <= 1:
        return None
    kept = [(name, value) for name, value in query if name != "page"]

    def target(number: int) -> str:
        return f"<{url}?{urlencode([*kept, ('page', str(number))])}>"

    links = []
    if page > 1:
        links.append(f'{target(min(page - 1, last))}; rel="prev"')
    if page < last:
        links.append(f'{target(page + 1)}; rel="next"')
        links.append(f'{target(last)}; rel="last"')
    if page > 1:
        links.append(f'{target(1)}; rel="first"')
    return ", ".join(links)
