"""Markdown for user text: CommonMark (markdown-it-py) rendered, then sanitised (nh3).

Sanitising after rendering is what makes it safe: raw HTML in the source, `javascript:`
links and event-handler attributes are removed by nh3's allow-list whatever the parser did.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "s", "a", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th",
    "td", "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
                      "th": {"align"}, "td": {"align"}, "ol": {"start"}}
MAX_SOURCE_LENGTH = 100_000


def render_markdown(source: str) -> SafeString:
    html = _md.render(source[:MAX_SOURCE_LENGTH])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
