"""Small files of every accepted type, and impostors, built in memory for the tests."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from cophub.library.demo import pdf_bytes

PDF = pdf_bytes("Evaluating LLMs", "Sara Lindqvist, 18F", ["Test sets.", "Human review."])
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
M4A = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom" + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
WEBM = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282847765626d4287810442858102")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
CSV = "name,agency\nAda Lovelace,GSA\nJosé Martí,VA\n".encode()
MARKDOWN = b"# Prompt library\n\n- Summarize *this*\n\n```\nint main() {}\n```\n"
JSON = b'{"use_cases": [{"id": "GSA-001", "stage": "Deployed"}]}'

MAIN_TYPES = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument."
                                  "wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument."
                                     "presentationml.presentation.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet.main+xml"),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def ooxml(kind: str, *, extra: tuple[str, ...] = (), content_types: bool = True) -> bytes:
    """A minimal Office Open XML package: [Content_Types].xml naming the main part."""
    part, main = MAIN_TYPES[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f"<Override PartName='/{part}' ContentType='{main}'/></Types>"))
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document/>")
        for name in extra:
            archive.writestr(name, b"\x00binary")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office file")
    return buffer.getvalue()


def ole(*streams: str) -> bytes:
    """A minimal OLE compound file (MS-CFB v3): a FAT sector and a directory sector with a
    root entry and the named streams."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))
    directory = bytearray()
    for name, kind in [("Root Entry", 5), *[(s, 2) for s in streams]]:
        entry = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        entry[:len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        directory += entry
    directory += bytes(512 - len(directory))
    return bytes(header) + fat + bytes(directory)


DOC = ole("WordDocument", "\x05SummaryInformation")
XLS = ole("Workbook")
PPT = ole("PowerPoint Document", "Current User")
DOC_WITH_MACROS = ole("WordDocument", "Macros")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
