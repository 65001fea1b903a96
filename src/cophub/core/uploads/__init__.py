"""The one upload checker: is this uploaded file safe to store, and which kind of file is it?
Callers say which kinds they accept and how large a file may be; the checker knows no
domain words.

    checked = file_check(upload, kinds=("pdf", "pptx", "mp4"))  # raises ValidationError
    checked.type_key, checked.name, checked.size
    FILE_TYPES[checked.type_key].content_type                    # to serve it with
"""

from .checks import CheckedFile, clean_file_name, file_check, max_upload_bytes
from .kinds import (
    ACCEPTED_DESCRIPTION,
    DOCUMENT_KINDS,
    FILE_TYPES,
    TYPE_BY_EXTENSION,
    VIDEO_KINDS,
    FileType,
    accepted_description,
    human_size,
)

__all__ = [
    "ACCEPTED_DESCRIPTION", "DOCUMENT_KINDS", "FILE_TYPES", "TYPE_BY_EXTENSION", "VIDEO_KINDS",
    "CheckedFile", "FileType", "accepted_description", "clean_file_name", "file_check",
    "human_size", "max_upload_bytes",
]
