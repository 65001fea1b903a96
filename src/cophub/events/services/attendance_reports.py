"""Reading webinar attendance reports (Zoom participant reports and Microsoft Teams
attendance reports) into rows, without writing anything.

Parsing is hand-written on top of `csv` because the two exports are not plain CSV tables:
Zoom puts a meeting-summary block above the participant table, and Teams writes UTF-16 with
tab separators and numbered sections ("1. Summary", "2. Participants", …)."""

import csv
import io
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil import parser as dateutil_parser
from django.utils import timezone

from ..models import Event

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# A report row must have joined within this window around the event. Wider than the event
# because hosts and speakers join early; a report for another meeting, or read in the wrong
# time zone, falls outside it.
JOIN_WINDOW_BEFORE = timedelta(hours=2)
JOIN_WINDOW_AFTER = timedelta(hours=1)


class AttendanceError(Exception):
    """An attendance change the rules do not allow; the message is for people."""


class AttendanceImportError(AttendanceError):
    """The whole file is refused; nothing was changed."""


@dataclass
class ReportRow:
    line: int
    name: str
    email: str
    seconds: int


@dataclass
class RowProblem:
    line: int
    name: str
    email: str
    reason: str


@dataclass
class ParsedReport:
    format: str  # "zoom" or "teams"
    rows: list[ReportRow] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)


def _norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').lower().split())


# Column names per format, as the exports spell them (lower-cased), most specific first.
ZOOM_COLUMNS = {
    "name": ("name (original name)", "user name (original name)", "name", "participant"),
    "email": ("user email", "email", "email address"),
    "join": ("join time",),
    "leave": ("leave time",),
    "duration": ("duration (minutes)", "time in session (minutes)", "duration (mins)"),
    "attended": ("attended",),
}
TEAMS_COLUMNS = {
    "name": ("name", "full name", "participant name"),
    "email": ("email", "email address"),
    "upn": ("participant id (upn)",),
    "join": ("first join", "first join time", "join time"),
    "leave": ("last leave", "last leave time", "leave time"),
    "duration": ("in-meeting duration", "attendance duration", "duration"),
    "role": ("role",),
}
FORMAT_LABELS = {"zoom": "Zoom participant report", "teams": "Microsoft Teams attendance report"}


def _columns(header: list[str], spec: dict) -> dict[str, int]:
    cells = [_norm(c) for c in header]
    found = {}
    for key, names in spec.items():
        for name in names:
            if name in cells:
                found[key] = cells.index(name)
                break
    return found


def _header_format(header: list[str]) -> tuple[str, dict[str, int]] | None:
    """Which report a row is the participant-table header of, if any. Zoom's summary block
    also has "User Email" and "Duration (Minutes)", but never "Join Time". Teams' own
    "Duration" column is only taken next to a join-time column (its per-join section)."""
    zoom = _columns(header, ZOOM_COLUMNS)
    if {"email", "join", "duration"} <= zoom.keys():
        return "zoom", zoom
    teams = _columns(header, TEAMS_COLUMNS)
    if {"name", "duration"} <= teams.keys() and ("email" in teams or "upn" in teams):
        if _norm(header[teams["duration"]]) != "duration" or "join" in teams:
            return "teams", teams
    return None


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise AttendanceImportError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Export only the "
            "participant report of this event.")
    if not data.strip():
        raise AttendanceImportError("The file is empty.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise AttendanceImportError(
            "This is a spreadsheet workbook, not a CSV file. Upload the CSV that Zoom or Teams "
            "exported, or save the sheet as CSV first.")
    if data.startswith(b"\xff\xfe"):
        encodings = ["utf-16-le"]
        data = data[2:]
    elif data.startswith(b"\xfe\xff"):
        encodings = ["utf-16-be"]
        data = data[2:]
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8"]
        data = data[3:]
    elif b"\x00" in data[:4096]:
        head = data[:4096]
        odd_nuls = head[1::2].count(0)
        even_nuls = head[0::2].count(0)
        if odd_nuls > len(head) // 4 and even_nuls == 0:
            encodings = ["utf-16-le"]
        elif even_nuls > len(head) // 4 and odd_nuls == 0:
            encodings = ["utf-16-be"]
        else:
            encodings = []
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:20_000]
        # A stray control character in a name is tolerated; a binary file is full of them.
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
        if controls <= len(sample) // 1000:
            return text
        break
    raise AttendanceImportError("This file is not a text CSV file. Upload the attendance "
                                "report exported from Zoom or Microsoft Teams.")


def _read_rows(text: str, delimiter: str):
    """(first line number, cells) for each record; raises csv.Error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _find_table(text: str, wanted: str):
    """The delimiter, header columns and line of the participant table's header."""
    for delimiter in ("\t", ",") if text.count("\t") > text.count(",") else (",", "\t"):
        try:
            for number, (line, cells) in enumerate(_read_rows(text, delimiter)):
                if number > 200:  # a participant header is near the top
                    break
                detected = _header_format(cells)
                if detected and wanted in ("auto", detected[0]):
                    return delimiter, detected[0], detected[1], line
                if detected:
                    raise AttendanceImportError(
                        f"This looks like a {FORMAT_LABELS[detected[0]]}, not a "
                        f"{FORMAT_LABELS[wanted]}. Choose the other format, or let cophub "
                        "detect it.")
        except csv.Error:
            continue
    expected = {
        "zoom": '"Name (Original Name)", "User Email", "Join Time", "Leave Time", '
                '"Duration (Minutes)"',
        "teams": '"Name", "First Join", "Last Leave", "In-Meeting Duration", "Email"',
    }
    wanted_text = (expected[wanted] if wanted != "auto"
                   else f'{expected["zoom"]} (Zoom) or {expected["teams"]} (Teams)')
    raise AttendanceImportError(
        "The file does not have the columns of an attendance report. Expected a header row "
        f"with {wanted_text}.")


_TEAMS_DURATION = re.compile(
    r"^(?:(?P<h>\d+)\s*h[a-z]*)?\s*(?:(?P<m>\d+)\s*m[a-z]*)?\s*(?:(?P<s>\d+)\s*s[a-z]*)?$")
_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


def _duration_seconds(value: str, report_format: str) -> int | None:
    value = value.strip().lower()
    if not value:
        return None
    if report_format == "zoom":
        try:
            minutes = float(value)
        except ValueError:
            return None
        return int(round(minutes * 60)) if minutes >= 0 else None
    clock = _CLOCK.match(value)
    if clock:
        h, m, s = (int(x or 0) for x in clock.groups())
        return h * 3600 + m * 60 + s
    match = _TEAMS_DURATION.match(value)
    if not match or not any(match.groupdict().values()):
        return None
    return sum(int(match[k] or 0) * mult for k, mult in (("h", 3600), ("m", 60), ("s", 1)))


_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S",
                 "%m/%d/%Y %H:%M", "%m/%d/%y, %I:%M:%S %p", "%m/%d/%Y, %I:%M:%S %p",
                 "%m/%d/%y, %H:%M:%S", "%m/%d/%Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S",
                 "%b %d, %Y %I:%M:%S %p")


def _parse_time(value: str, tz) -> datetime | None:
    value = " ".join(value.split())
    for fmt in _TIME_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
            break
        except ValueError:
            continue
    else:
        try:
            parsed = dateutil_parser.parse(value)
        except (ValueError, OverflowError):
            return None
    if parsed.tzinfo is None:
        # The exports write wall-clock times of the organizer's account time zone.
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _when(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return (f"{moment:%B} {moment.day}, {moment.year}, {hour}:{moment:%M} "
            f"{'AM' if moment.hour < 12 else 'PM'} {moment:%Z}")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def attendance_report_parse(*, data: bytes, event: Event, report_format: str = "auto",
                            time_zone: str | None = None) -> ParsedReport:
    """Read a Zoom or Teams participant report. Raises AttendanceImportError for a file that
    cannot be an attendance report (nothing is changed); problems with single rows are
    listed in `rejected`."""
    if report_format not in ("auto", "zoom", "teams"):
        raise AttendanceImportError("Choose Zoom, Teams, or automatic detection.")
    tz = zoneinfo.ZoneInfo(time_zone or event.time_zone)
    text = _decode(data)
    delimiter, detected, cols, header_line = _find_table(text, report_format)
    report = ParsedReport(format=detected)
    window = (event.starts_at - JOIN_WINDOW_BEFORE, event.ends_at + JOIN_WINDOW_AFTER)
    timed = in_window = 0

    def cell(cells, key):
        index = cols.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    try:
        rows = list(_read_rows(text, delimiter))
    except csv.Error as exc:
        raise AttendanceImportError(f"The file is not valid CSV: {exc}.") from None
    table = [(line, cells) for line, cells in rows if line > header_line]
    count = 0
    for line, cells in table:
        if not any(c.strip() for c in cells):
            if detected == "teams":
                break  # the end of "2. Participants"
            continue
        if detected == "teams" and len(cells) == 1 and re.match(r"^\d+\.\s", cells[0].strip()):
            break  # the next numbered section ("3. In-Meeting Activities")
        if _header_format(cells):
            break  # another table, such as a second report pasted below
        count += 1
        if count > MAX_ROWS:
            raise AttendanceImportError(
                f"The report has more than {MAX_ROWS:,} rows. Split it and import the parts.")
        name = cell(cells, "name")[:200]
        email = cell(cells, "email") or (cell(cells, "upn") if detected == "teams" else "")
        email = email.strip().strip("<>").lower()[:254]
        if detected == "zoom" and cell(cells, "attended").lower() == "no":
            continue  # a webinar registrant who did not join
        seconds = _duration_seconds(cell(cells, "duration"), detected)
        if seconds is None:
            report.rejected.append(RowProblem(line, name, email, "The duration is missing or "
                                              f"not understood ({cell(cells, 'duration')!r})."))
            continue
        joined = cell(cells, "join")
        if joined:
            joined_at = _parse_time(joined, tz)
            if joined_at is None:
                report.rejected.append(RowProblem(line, name, email,
                                                  f"The join time {joined!r} is not a date."))
                continue
            timed += 1
            if not window[0] <= joined_at < window[1]:
                report.rejected.append(RowProblem(
                    line, name, email,
                    f"Joined {_when(timezone.localtime(joined_at, tz))}, outside the event's "
                    "time."))
                continue
            in_window += 1
        if email and not _EMAIL.match(email):
            report.rejected.append(RowProblem(line, name, email,
                                              "This is not an e-mail address."))
            continue
        report.rows.append(ReportRow(line=line, name=name, email=email, seconds=seconds))
    if count == 0:
        raise AttendanceImportError("The report has a header but no participant rows.")
    if timed and not in_window:
        start = timezone.localtime(event.starts_at, tz)
        raise AttendanceImportError(
            f"None of the join times fall on this event ({_when(start)}). "
            "Check that this is the report of this event, and the time zone of the report.")
    return report


