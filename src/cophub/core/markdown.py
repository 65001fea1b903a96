"""Markdown for user text: CommonMark (markdown-it-py) rendered, then sanitised (nh3).

Sanitising after rendering is what makes it safe: raw HTML in the source, `javascript:`
links and event-handler attributes are removed by nh3's allow-list whatever the parser did.

`markdown_to_text` renders the same source as plain text, for the text part of e-mail and
for calendar descriptions: what a reader sees, without Markdown's markers.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

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


# --- plain text ------------------------------------------------------------------------
# Hand-written over markdown-it's syntax tree: no installed library renders Markdown as
# plain text, and going through the HTML (html-to-text) would lose what the tree knows
# (list numbers, where a link's text ends). Walking the same parse that `render_markdown`
# uses means the text part and the HTML part of one message always agree on the structure.

def markdown_to_text(source: str) -> str:
    """`source` as a person reads it: emphasis, code and heading markers removed, links as
    "text (url)" (just the URL when the text is the URL), images as their description and
    address, lists kept with their "-" or numbers, quotes as "> ", code blocks indented,
    table rows as cells joined by " | ". Blocks are separated by one blank line."""
    tree = SyntaxTreeNode(_md.parse(source[:MAX_SOURCE_LENGTH]))
    return "\n".join(_blocks(tree.children)).strip("\n")


def _blocks(nodes) -> list[str]:
    """The lines of a run of block nodes, one blank line between blocks."""
    lines: list[str] = []
    for node in nodes:
        block = _block(node)
        if not block:
            continue
        if lines:
            lines.append("")
        lines += block
    return lines


def _block(node) -> list[str]:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _inline_text(node).split("\n")
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind == "blockquote":
        return [f"> {line}".rstrip() for line in _blocks(node.children)]
    if kind in ("fence", "code_block"):
        return [f"    {line}".rstrip() for line in node.content.rstrip("\n").split("\n")]
    if kind == "hr":
        return ["-" * 20]
    if kind == "table":
        return [" | ".join(_inline_text(cell) for cell in row.children)
                for section in node.children for row in section.children]
    if kind == "html_block":  # not produced with html off; kept as written if it ever is
        return node.content.rstrip("\n").split("\n")
    return _blocks(node.children)


def _list(node) -> list[str]:
    lines: list[str] = []
    ordered = node.type == "ordered_list"
    number = int(node.attrs.get("start", 1)) if ordered else 0
    tight = all(not child.children or child.children[0].hidden for child in node.children
                if child.type == "list_item")
    for item in node.children:
        marker = f"{number}." if ordered else "-"
        number += 1
        body = _blocks(item.children) or [""]
        if tight:  # "- a" / "- b", not a blank line between every item
            body = [line for line in body if line != ""]
        lines.append(f"{marker} {body[0]}".rstrip())
        pad = " " * (len(marker) + 1)  # continuation lines line up with the item's text
        lines += [f"{pad}{line}".rstrip() if line else "" for line in body[1:]]
        if not tight:
            lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _inline_text(node) -> str:
    """The text of a block's inline content (a paragraph, a heading, a table cell)."""
    return "".join(_inline(child) for child in node.children).strip()


def _inline(node) -> str:
    kind = node.type
    if kind == "inline":
        return "".join(_inline(child) for child in node.children)
    if kind in ("text", "code_inline", "html_inline"):
        return node.content
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind == "link":
        text = "".join(_inline(child) for child in node.children)
        href = str(node.attrs.get("href", ""))
        shown = href.removeprefix("mailto:")
        return text if not href or text in (href, shown) else f"{text} ({shown})"
    if kind == "image":
        description = "".join(_inline(child) for child in node.children)
        src = str(node.attrs.get("src", ""))
        return f"{description} ({src})" if description else src
    return "".join(_inline(child) for child in node.children)  # em, strong, s
