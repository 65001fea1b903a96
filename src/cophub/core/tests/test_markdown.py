from html.parser import HTMLParser

import pytest

from cophub.core.markdown import render_markdown


class ActiveContent(HTMLParser):
    """Collects what a browser would execute or load: dangerous tags, event handlers, and
    URLs with schemes other than http(s)/mailto. Escaped text is harmless and ignored."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "svg", "style", "object", "embed", "form"}:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(name)
            if name in {"href", "src"} and value and not value.startswith(
                    ("http://", "https://", "mailto:", "#", "/")):
                self.found.append(f"{name}={value}")

XSS = [
    "<a href='javascript:alert(1)'>x</a>",
    "<A HREF=\"jav&#x09;ascript:alert(1)\">x</A>",
    "[x](<javascript:alert(1)>)",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"></svg>',
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("payload", [p for p in XSS if p.startswith("<")])
def test_the_detector_sees_the_active_content_of_raw_html(payload):
    # Without this, a detector that found nothing would make the next test pass vacuously.
    parser = ActiveContent()
    parser.feed(payload)
    assert parser.found != []


@pytest.mark.parametrize("payload", XSS)
def test_markdown_output_never_carries_script(payload):
    parser = ActiveContent()
    parser.feed(render_markdown(payload))
    assert parser.found == []


def test_markdown_renders_ordinary_formatting_and_safe_links():
    html = render_markdown("## Charter\n\n- **Build** partnerships\n\n[GSA](https://gsa.gov)")
    assert "<h2>Charter</h2>" in html
    assert "<strong>Build</strong>" in html
    assert 'href="https://gsa.gov"' in html and 'rel="noopener noreferrer nofollow"' in html
