"""The kinds of file the site can accept, each identified by a key ("pdf", "mp4", …): its
extensions, the Content-Type it is served with, and whether a browser may show it in the
page (PDF and images) rather than download it. Each app chooses the kinds it accepts
(`file_check(upload, kinds=…)`); these are all the checker knows how to verify."""

from collections.abc import Iterable
from typing import NamedTuple


class FileType(NamedTuple):
    label: str
    extensions: tuple[str, ...]
    content_type: str
    inline: bool = False


FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", ("pdf",), "application/pdf", inline=True),
    "pptx": FileType("PowerPoint", ("pptx",),
                     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "docx": FileType("Word", ("docx",),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": FileType("Excel", ("xlsx",),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt": FileType("PowerPoint 97–2003", ("ppt",), "application/vnd.ms-powerpoint"),
    "doc": FileType("Word 97–2003", ("doc",), "application/msword"),
    "xls": FileType("Excel 97–2003", ("xls",), "application/vnd.ms-excel"),
    "csv": FileType("CSV", ("csv",), "text/csv; charset=utf-8"),
    "txt": FileType("Plain text", ("txt",), "text/plain; charset=utf-8"),
    "md": FileType("Markdown", ("md", "markdown"), "text/markdown; charset=utf-8"),
    "json": FileType("JSON", ("json",), "application/json"),
    "png": FileType("PNG image", ("png",), "image/png", inline=True),
    "jpeg": FileType("JPEG image", ("jpg", "jpeg"), "image/jpeg", inline=True),
    "mp4": FileType("MP4 video", ("mp4",), "video/mp4"),
    "m4a": FileType("MP4 audio", ("m4a",), "audio/mp4"),
    "webm": FileType("WebM video", ("webm",), "video/webm"),
}

TYPE_BY_EXTENSION = {ext: key for key, t in FILE_TYPES.items() for ext in t.extensions}

# Handy subsets for callers.
DOCUMENT_KINDS = ("pdf", "pptx", "docx", "xlsx", "ppt", "doc", "xls")
VIDEO_KINDS = ("mp4", "webm")

ACCEPTED_DESCRIPTION = ("PDF; PowerPoint, Word or Excel (.pptx, .docx, .xlsx, or the older "
                        ".ppt, .doc, .xls); CSV, plain text, Markdown or JSON; PNG or JPEG "
                        "images; MP4 or WebM recordings")


def accepted_description(kinds: Iterable[str] | None = None) -> str:
    """The kinds, for people: "a PDF, a PowerPoint (.pptx) or an MP4 video" style. All kinds
    (None): `ACCEPTED_DESCRIPTION`."""
    keys = list(dict.fromkeys(kinds)) if kinds is not None else list(FILE_TYPES)
    if set(keys) >= set(FILE_TYPES):
        return ACCEPTED_DESCRIPTION
    names = [f"{FILE_TYPES[k].label} (.{', .'.join(FILE_TYPES[k].extensions)})" for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]



def human_size(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
