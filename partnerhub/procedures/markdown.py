"""Procedure bodies: markdown rendered to HTML that can carry no script and no raw HTML."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with tables and strikethrough; raw HTML in the source is shown as text.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
    "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@lru_cache(maxsize=512)  # a version's text never changes: each is rendered once per process
def render_markdown(source: str) -> Markup:
    """Markdown to safe HTML: no raw HTML passes, links only to http(s) and mailto."""
    html = _parser.render(source or "")
    # Column alignment arrives as style attributes, which the CSP forbids: they are dropped.
    # The sanitizer is the second wall: even if the parser let something through, script,
    # event handlers, images and javascript: links do not survive it.
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )
