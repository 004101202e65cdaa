"""Parse the `Link` pagination header of GitHub's REST API.

GitHub sends one `<url>; rel="name"` entry per relation (`next`, `prev`, `first`, `last`),
separated by commas, with absolute URLs that carry the `page` query parameter.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# One entry: the URL in angle brackets, then its `;`-separated parameters up to the next
# entry. URLs may contain commas, so the header is not split on commas first.
_ENTRY = re.compile(r"<(?P<url>[^>]*)>(?P<params>[^<]*)")
_REL = re.compile(r';\s*rel\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s;,]+))', re.IGNORECASE)


def parse_link_header(value: str | None) -> dict[str, str]:
    """Parse a `Link` header into a mapping from relation name to URL.

    A `rel` parameter may name several relations separated by spaces, and each gets the
    URL. When a relation appears twice, the first URL wins. Entries without `rel` are
    ignored.

    Args:
        value: The header value, or None when the response had no `Link` header.

    Returns:
        The relations in lower case, for example `{"next": "...", "last": "..."}`.
    """
    links: dict[str, str] = {}
    if not value:
        return links

    for entry in _ENTRY.finditer(value):
        rel_match = _REL.search(entry.group("params"))
        if rel_match is None:
            continue
        names = rel_match.group("quoted") or rel_match.group("bare") or ""
        for name in names.lower().split():
            links.setdefault(name, entry.group("url").strip())
    return links


def page_number(url: str) -> int | None:
    """Return the positive integer `page` query parameter of a URL, or None.

    None means the URL has no `page` parameter or its value is not a positive integer.
    When the parameter repeats, the last value counts, as most web frameworks read it.
    """
    values = parse_qs(urlsplit(url).query).get("page")
    if not values:
        return None
    try:
        number = int(values[-1])
    except ValueError:
        return None
    return number if number >= 1 else None
