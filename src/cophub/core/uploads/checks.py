"""Checking an uploaded file before anything is stored: its name, its size, and its
content, which must be what its extension says and one of the kinds the caller accepts.

The content is identified by libmagic (python-magic) from the first bytes, and then checked
more closely where a first look is not enough: Office files are zip archives (or, for the
older formats, OLE compound files) whose directory says which application made them and
whether they carry macros; text must be valid UTF-8; JSON must parse. A file that fails any
check is refused with a message for people, and nothing is written anywhere."""

import codecs
import json
import os
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import NamedTuple

import magic
from django.conf import settings
from django.core.exceptions import ValidationError

from .kinds import FILE_TYPES, TYPE_BY_EXTENSION, accepted_description
from .ole import OLE_SIGNATURE, ole_names

HEAD_BYTES = 8192
MAX_NAME_LENGTH = 200

MACRO_EXTENSIONS = {"docm", "dotm", "pptm", "potm", "ppsm", "ppam", "xlsm", "xltm", "xlam"}
# Extensions that make a name dangerous wherever they appear in it ("minutes.exe.pdf"):
# programs, scripts and documents a browser or desktop would run or render.
DANGEROUS_EXTENSIONS = {
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "hta", "jar", "js",
    "jse", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "sh", "bash", "zsh", "py", "pl", "rb",
    "php", "asp", "aspx", "jsp", "cgi", "html", "htm", "xhtml", "shtml", "svg", "xml", "lnk",
    "reg", "app", "dmg", "pkg", "deb", "rpm", "apk", "iso", "img",
}
WINDOWS_DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
                        *(f"lpt{n}" for n in range(1, 10))}

# What libmagic reports, for the error message ("it looks like a Windows program").
DESCRIPTIONS = {
    "application/x-dosexec": "a Windows program",
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/x-pie-executable": "a program",
    "application/x-sharedlib": "a program library",
    "application/x-mach-binary": "a macOS program",
    "application/x-elf": "a program",
    "text/x-shellscript": "a shell script",
    "text/javascript": "a script",
    "application/javascript": "a script",
    "text/html": "a web page (HTML)",
    "application/xhtml+xml": "a web page (HTML)",
    "image/svg+xml": "an SVG image",
    "text/xml": "an XML document",
    "application/xml": "an XML document",
    "application/zip": "a zip archive",
    "application/x-ole-storage": "an older Office document",
    "application/pdf": "a PDF",
    "image/gif": "a GIF image",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/heic": "a HEIC image",
    "video/quicktime": "a QuickTime video",
    "application/x-empty": "empty",
}
# Text that a browser would run or render if it ever got the chance: refused even in a .txt.
ACTIVE_TEXT = {"text/html", "application/xhtml+xml", "image/svg+xml"}
TEXT_MIMES = {"application/json", "application/csv", "application/x-ndjson"}

# ISO base media brands: MP4 video, and MP4 audio (M4A). Not QuickTime or HEIF images.
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
              b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV", b"NDAS", b"dash", b"f4v "}
M4A_BRANDS = {b"M4A ", b"M4B "}

# OOXML: the content type of the main part named in [Content_Types].xml.
OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
OOXML_MACRO_TYPES = ("macroenabled", "vbaproject", "vnd.ms-office.activex")
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
_OVERRIDE_RE = re.compile(r"<(?:\w+:)?Override\b([^>]*)>")
_ATTRIBUTE_RE = re.compile(r"(\w+)\s*=\s*([\"'])(.*?)\2", re.DOTALL)

OLE_MAIN_STREAMS = {"doc": {"worddocument"}, "xls": {"workbook", "book"},
                    "ppt": {"powerpoint document"}}
OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "vba", "_vba_project"}


class CheckedFile(NamedTuple):
    type_key: str
    name: str  # the original name, cleaned, for Content-Disposition
    size: int


MB = 1024 * 1024


def max_upload_bytes() -> int:
    """The site-wide limit (`COPHUB_UPLOAD_MAX_MB`), the default of `file_check`."""
    return settings.COPHUB_UPLOAD_MAX_MB * MB


def file_check(upload, *, kinds: Iterable[str] | None = None, max_bytes: int | None = None,
               too_large_hint: str = "Link to it on another site instead.") -> CheckedFile:
    """Check an upload (a Django UploadedFile) and say what it is: one of `kinds` (keys of
    `FILE_TYPES`; default: every kind), at most `max_bytes` (default: the site-wide
    limit), with a safe name and content that really is that kind. Raises ValidationError
    with a message for people (`too_large_hint` ends the one about size); reads the file
    but writes nothing. Raises ValueError for a kind the checker does not know.

    Each refusal carries a `code`, for callers that word their own messages: "name" (an
    unsafe or deceptive file name), "empty", "too_large", "kind" (not one of `kinds`),
    "macros", "content" (the content is not what the extension says)."""
    allowed = list(FILE_TYPES) if kinds is None else list(dict.fromkeys(kinds))
    unknown = [k for k in allowed if k not in FILE_TYPES]
    if unknown:
        raise ValueError(f"No kind of file is called {unknown[0]!r}.")
    name = clean_file_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError("The file is empty. Choose the file again, or a different one.",
                              code="empty")
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if size > limit:
        raise ValidationError(f"The file ({size / MB:.1f} MB) is larger than the limit of "
                              f"{limit / MB:g} MB. {too_large_hint}", code="too_large")
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    if extension in MACRO_EXTENSIONS:
        raise ValidationError("Files with macros (such as .docm, .pptm or .xlsm) are not "
                              "accepted. Save the file without macros (.docx, .pptx or .xlsx) "
                              "and upload that.", code="macros")
    type_key = TYPE_BY_EXTENSION.get(extension)
    if type_key not in allowed:
        shown = f".{extension} files" if extension else "Files without an extension"
        raise ValidationError(f"{shown} are not accepted. Upload one of: "
                              f"{accepted_description(allowed)}.", code="kind")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    mime = magic.from_buffer(head, mime=True)
    try:
        CHECKS[type_key](upload, head, mime, type_key)
    finally:
        upload.seek(0)
    return CheckedFile(type_key=type_key, name=name, size=size)


def clean_file_name(raw: str) -> str:
    """The name a download will carry. Refuses names that are dangerous or deceptive
    (hidden, a second program extension, device names, invisible or direction-changing
    characters); otherwise returns it normalised."""
    name = unicodedata.normalize("NFC", os.path.basename(raw.replace("\\", "/")))
    if not name:
        raise ValidationError("The file has no name. Give it one (such as slides.pdf) and "
                              "upload it again.", code="name")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in name):
        raise ValidationError("The file name contains invisible or control characters. "
                              "Rename the file and upload it again.", code="name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"The file name is longer than {MAX_NAME_LENGTH} characters. "
                              "Give it a shorter name.", code="name")
    if name.startswith(".") or name.endswith("."):
        raise ValidationError("The file name may not start or end with a dot. Rename the "
                              "file and upload it again.", code="name")
    parts = name.lower().split(".")
    if parts[0].strip() in WINDOWS_DEVICE_NAMES:
        raise ValidationError("The file name is reserved by Windows. Rename the file.",
                              code="name")
    hidden = [p for p in parts[1:-1] if p.strip() in DANGEROUS_EXTENSIONS]
    if hidden:
        raise ValidationError(f"The file name hides a .{hidden[0].strip()} extension inside "
                              "it. Rename the file so that it has one extension.", code="name")
    if any(c in name for c in '<>:"|?*'):
        raise ValidationError('The file name may not contain any of < > : " | ? *. Rename '
                              "the file and upload it again.", code="name")
    return name


def _describe(mime: str) -> str:
    if mime in DESCRIPTIONS:
        return DESCRIPTIONS[mime]
    if mime.startswith("text/"):
        return "a text file"
    if mime.startswith("image/"):
        return "an image of another kind"
    if mime.startswith(("video/", "audio/")):
        return "a recording of another kind"
    return "a file of another kind"


def _a(label: str) -> str:
    """"a PDF", "an Excel", "an MP4 video", "a plain text"."""
    if label.startswith("Plain"):
        label = label.lower()
    return f"{'an' if label.split()[0] in ('Excel', 'MP4') else 'a'} {label}"


def _mismatch(type_key: str, mime: str, detail: str = "") -> ValidationError:
    looks = _describe(mime)
    message = (f"The file's content is not {_a(FILE_TYPES[type_key].label)} file"
               + (f": {detail}" if detail else f"; it looks like {looks}")
               + ". Upload the original file, not a renamed one.")
    return ValidationError(message, code="content")


# --- Checks per type: (upload, head, mime, type_key) -> None, or raise ValidationError ----

def _check_pdf(upload, head, mime, key):
    if mime != "application/pdf" or b"%PDF-" not in head[:1024]:
        raise _mismatch(key, mime)


def _check_png(upload, head, mime, key):
    if mime != "image/png" or not head.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _mismatch(key, mime)


def _check_jpeg(upload, head, mime, key):
    if mime != "image/jpeg" or not head.startswith(b"\xff\xd8\xff"):
        raise _mismatch(key, mime)


def _check_iso_media(upload, head, mime, key):
    brands = M4A_BRANDS if key == "m4a" else MP4_BRANDS
    if not mime.startswith(("video/", "audio/")) or head[4:8] != b"ftyp" \
            or head[8:12] not in brands:
        raise _mismatch(key, mime)


def _check_webm(upload, head, mime, key):
    # EBML header, then the DocType element (0x4282) saying "webm" (not any Matroska file).
    if mime not in ("video/webm", "audio/webm") or not head.startswith(b"\x1a\x45\xdf\xa3") \
            or b"\x42\x82\x84webm" not in head[:64]:
        raise _mismatch(key, mime)


def _check_ooxml(upload, head, mime, key):
    if not head.startswith(b"PK\x03\x04") or mime.startswith(("text/", "image/")):
        raise _mismatch(key, mime)
    try:
        # Only the central directory and one small part are read; nothing is extracted.
        with zipfile.ZipFile(upload) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            types_info = infos.get("[Content_Types].xml")
            if types_info is None:
                raise _mismatch(key, mime, "it is a zip archive, not an Office document")
            if types_info.file_size > MAX_CONTENT_TYPES_BYTES:
                raise _mismatch(key, mime, "its list of parts is too large")
            content_types = archive.read(types_info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError):
        raise _mismatch(key, mime, "it is a damaged or encrypted zip archive") from None
    lowered = content_types.lower()
    if any(marker in lowered for marker in OOXML_MACRO_TYPES) or any(
            name.lower().endswith("vbaproject.bin") for name in infos):
        raise ValidationError("The file contains macros, which are not accepted. Save it "
                              "without macros and upload that.", code="macros")
    overrides = {}
    for match in _OVERRIDE_RE.finditer(content_types):
        attributes = {name: value for name, _, value in _ATTRIBUTE_RE.findall(match.group(1))}
        if "ContentType" in attributes and "PartName" in attributes:
            overrides[attributes["ContentType"].strip()] = attributes["PartName"].strip()
    part = overrides.get(OOXML_MAIN[key])
    if part is None or part.lstrip("/") not in infos:
        found = next((k for k, main in OOXML_MAIN.items() if main in overrides), None)
        detail = (f"it is {_a(FILE_TYPES[found].label)} file" if found
                  else "it is a zip archive, not an Office document")
        raise _mismatch(key, mime, detail)


def _check_ole(upload, head, mime, key):
    if not head.startswith(OLE_SIGNATURE):
        raise _mismatch(key, mime)
    try:
        names = {n.lower() for n in ole_names(upload)}
    except (ValueError, struct.error):
        raise _mismatch(key, mime, "it is a damaged Office file") from None
    if names & OLE_MACRO_STORAGES:
        raise ValidationError("The file contains macros, which are not accepted. Save it "
                              "without macros and upload that.", code="macros")
    if not names & OLE_MAIN_STREAMS[key]:
        found = next((k for k, streams in OLE_MAIN_STREAMS.items() if names & streams), None)
        raise _mismatch(key, mime, f"it is {_a(FILE_TYPES[found].label)} file" if found
                        else "it is not a Word, Excel or PowerPoint file")


def _utf8_text(upload, key, mime) -> str | None:
    """Check that the whole file is UTF-8 text without control characters; returns the
    text for JSON (which is then parsed), None otherwise (a large CSV is read in chunks,
    never held in memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    keep = key == "json"
    pieces, first = [], True
    upload.seek(0)
    for chunk in upload.chunks():
        if first and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8):]
        first = False
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            raise _mismatch(key, mime, "it is not UTF-8 text") from None
        if _CONTROL_RE.search(text):
            raise _mismatch(key, mime, "it contains binary data")
        if keep:
            pieces.append(text)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _mismatch(key, mime, "it is not UTF-8 text") from None
    return "".join(pieces) if keep else None


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _check_text(upload, head, mime, key):
    if mime in ACTIVE_TEXT:
        raise _mismatch(key, mime)
    if not (mime.startswith("text/") or mime in TEXT_MIMES):
        raise _mismatch(key, mime)
    text = _utf8_text(upload, key, mime)
    if key == "json":
        try:
            json.loads(text)
        except ValueError:
            raise _mismatch(key, mime, "it is not valid JSON") from None


CHECKS = {
    "pdf": _check_pdf, "png": _check_png, "jpeg": _check_jpeg,
    "mp4": _check_iso_media, "m4a": _check_iso_media, "webm": _check_webm,
    "docx": _check_ooxml, "pptx": _check_ooxml, "xlsx": _check_ooxml,
    "doc": _check_ole, "xls": _check_ole, "ppt": _check_ole,
    "csv": _check_text, "txt": _check_text, "md": _check_text, "json": _check_text,
}
