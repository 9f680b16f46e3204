"""GOV.UK pagination for long lists (the case list, the access log): one way to choose the page
links, one macro (``macros.html: pagination``) to show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageLink:
    number: int
    href: str = ""
    current: bool = False
    ellipsis: bool = False  # the gap ("⋯") before ``number``


@dataclass(frozen=True)
class Pagination:
    label: str  # names the navigation for screen readers, e.g. "Pages of cases"
    items: tuple[PageLink, ...]
    previous: str | None
    next: str | None


def pagination(page: int, pages: int, href: Callable[[int], str], label: str) -> Pagination | None:
    """Previous, the first and last pages and those beside ``page`` (a gap where pages are left
    out), next; None for a single page."""
    if pages <= 1:
        return None
    current = max(1, min(page, pages))
    shown = sorted({1, pages, *range(max(1, current - 1), min(pages, current + 1) + 1)})
    items: list[PageLink] = []
    for number in shown:
        if items and number - items[-1].number > 1:
            items.append(PageLink(number - 1, ellipsis=True))
        items.append(PageLink(number, href(number), current=number == current))
    return Pagination(label, tuple(items),
                      previous=href(current - 1) if current > 1 else None,
                      next=href(current + 1) if current < pages else None)
