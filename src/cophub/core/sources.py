"""Reading an import's source: a file path or an http(s) URL, bounded in size and time.

Hand-written on the standard library because it is a dozen lines that two importers (the
.gov registry, the AI use case inventory) share; the rule that matters is which schemes
are fetched at all.
"""

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


class SourceError(Exception):
    """The source cannot be read; the message says why, for an operator."""


def source_read(source: str, *, max_bytes: int, timeout: float = 60) -> bytes:
    """The bytes of a file path or an http(s) URL. Raises `SourceError` when the source
    cannot be read, uses another scheme, or is larger than `max_bytes`."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(source, timeout=timeout) as response:
                data = response.read(max_bytes + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SourceError(f"Could not download {source}: {exc}") from exc
    elif "://" in source:
        # file://, ftp:// and friends: a path is spelled as a path, and nothing else is
        # fetched, so an operator's typo cannot reach an unexpected service.
        raise SourceError(
            f"Unsupported URL scheme {scheme!r}: give a file path or an http(s) URL.")
    else:
        try:
            with Path(source).open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"Could not read {source}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise SourceError(f"{source} is larger than {max_bytes:,} bytes.")
    return data
