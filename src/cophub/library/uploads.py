"""Checking an uploaded file before anything is stored: its name, its size, and its
content, which must be what its extension says.

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
from typing import NamedTuple

import magic
from django.conf import settings
from django.core.exceptions import ValidationError

from .filetypes import ACCEPTED_DESCRIPTION, FILE_TYPES, TYPE_BY_EXTENSION

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

OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
OLE_MAIN_STREAMS = {"doc": {"worddocument"}, "xls": {"workbook", "book"},
                    "ppt": {"powerpoint document"}}
OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "vba", "_vba_project"}


class CheckedFile(NamedTuple):
    type_key: str
    name: str  # the original name, cleaned, for Content-Disposition
    size: int


def max_upload_bytes() -> int:
    return settings.COPHUB_UPLOAD_MAX_MB * 1024 * 1024


def file_check(upload) -> CheckedFile:
    """Check an upload (a Django UploadedFile) and say what it is. Raises ValidationError
    with a message for people; reads the file but writes nothing."""
    name = clean_file_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError("The file is empty. Choose the file again, or a different one.")
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(f"The file ({size / (1024 * 1024):.1f} MB) is larger than the "
                              f"limit of {settings.COPHUB_UPLOAD_MAX_MB} MB. Link to it on "
                              "another site instead.")
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    if extension in MACRO_EXTENSIONS:
        raise ValidationError("Files with macros (such as .docm, .pptm or .xlsm) are not "
                              "accepted. Save the file without macros (.docx, .pptx or .xlsx) "
                              "and upload that.")
    type_key = TYPE_BY_EXTENSION.get(extension)
    if type_key is None:
        shown = f".{extension} files" if extension else "Files without an extension"
        raise ValidationError(f"{shown} are not accepted. Upload one of: "
                              f"{ACCEPTED_DESCRIPTION}.")
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
                              "upload it again.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in name):
        raise ValidationError("The file name contains invisible or control characters. "
                              "Rename the file and upload it again.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"The file name is longer than {MAX_NAME_LENGTH} characters. "
                              "Give it a shorter name.")
    if name.startswith(".") or name.endswith("."):
        raise ValidationError("The file name may not start or end with a dot. Rename the "
                              "file and upload it again.")
    parts = name.lower().split(".")
    if parts[0].strip() in WINDOWS_DEVICE_NAMES:
        raise ValidationError("The file name is reserved by Windows. Rename the file.")
    hidden = [p for p in parts[1:-1] if p.strip() in DANGEROUS_EXTENSIONS]
    if hidden:
        raise ValidationError(f"The file name hides a .{hidden[0].strip()} extension inside "
                              "it. Rename the file so that it has one extension.")
    if any(c in name for c in '<>:"|?*'):
        raise ValidationError('The file name may not contain any of < > : " | ? *. Rename '
                              "the file and upload it again.")
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
    return ValidationError(message)


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
                              "without macros and upload that.")
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


def _ole_names(upload) -> list[str]:
    """The names in an OLE compound file's directory (MS-CFB), read by following the
    directory's sector chain through the allocation table. Hand-written because only the
    names are needed and no OLE library is a dependency; every count and pointer is bounded
    so that a crafted file cannot loop or read outside itself."""
    upload.seek(0)
    header = upload.read(512)
    if len(header) < 512 or not header.startswith(OLE_SIGNATURE):
        raise ValueError("not an OLE file")
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << shift
    fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    size = upload.size
    max_sector = size // sector_size + 1
    if fat_count > max_sector or difat_count > max_sector:
        raise ValueError("bad counts")

    def read_sector(number: int) -> bytes:
        if number >= max_sector:
            raise ValueError("sector out of range")
        upload.seek((number + 1) * sector_size)
        data = upload.read(sector_size)
        if len(data) != sector_size:
            raise ValueError("short sector")
        return data

    fat_sectors = list(struct.unpack_from("<109I", header, 0x4C))
    next_difat, seen = first_difat, set()
    per_difat = sector_size // 4 - 1
    while next_difat < 0xFFFFFFFA and len(seen) < difat_count:
        if next_difat in seen:
            raise ValueError("DIFAT loop")
        seen.add(next_difat)
        values = struct.unpack(f"<{per_difat + 1}I", read_sector(next_difat))
        fat_sectors += values[:-1]
        next_difat = values[-1]
    fat_sectors = [s for s in fat_sectors if s < 0xFFFFFFFA][:fat_count]
    fat: list[int] = []
    for sector in fat_sectors:
        fat += struct.unpack(f"<{sector_size // 4}I", read_sector(sector))
    names, sector, visited = [], first_dir, set()
    while sector < 0xFFFFFFFA:
        if sector in visited or sector >= len(fat):
            raise ValueError("bad directory chain")
        visited.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            length, kind = struct.unpack_from("<HB", data, offset + 64)
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.append(data[offset:offset + length - 2].decode("utf-16-le", "replace"))
        sector = fat[sector]
    return names


def _check_ole(upload, head, mime, key):
    if not head.startswith(OLE_SIGNATURE):
        raise _mismatch(key, mime)
    try:
        names = {n.lower() for n in _ole_names(upload)}
    except (ValueError, struct.error):
        raise _mismatch(key, mime, "it is a damaged Office file") from None
    if names & OLE_MACRO_STORAGES:
        raise ValidationError("The file contains macros, which are not accepted. Save it "
                              "without macros and upload that.")
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
