"""Streaming CSV exports that are safe to open in a spreadsheet."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula: people and agencies write the
    values, and a cell starting with = + - @ would be evaluated (CSV injection), so it gets
    a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class Echo:
    """A file-like object whose write returns the line, for `csv.writer` feeding a
    `StreamingHttpResponse` row by row."""

    def write(self, value):
        return value
