"""Signed agreement files: recognised by their content, stored outside the web root under a
generated name, so nothing a user uploads is ever served as a page or run."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from partnerhub.errors import DomainError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FOLDER = "agreements"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def content_type_of(data: bytes) -> str | None:
    """PDF or DOCX, judged from the bytes (a renamed HTML page is neither), else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return DOCX
    return None


def clean_name(filename: str) -> str:
    """The file's own name without any folders a browser sent, for the download's name."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[-200:]
    return name or "agreement"


def download_name(filename: str, content_type: str) -> str:
    """The file's name with the extension of the type its content was verified to be, so a
    PDF named `poly.html` is saved as `poly.pdf` and never opened as a page."""
    stem = PurePosixPath(filename).stem if PurePosixPath(filename).suffix else filename
    return (stem or "agreement") + EXTENSIONS[content_type]


def store(upload_root: str, filename: str, data: bytes, max_bytes: int) -> StoredFile:
    """Check a file and write it under a generated name; raise DomainError if it is refused."""
    if not data:
        raise DomainError("The file is empty. Choose the signed PDF or Word document.")
    if len(data) > max_bytes:
        raise DomainError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    content_type = content_type_of(data)
    if content_type is None:
        raise DomainError("Only PDF and Word (.docx) documents can be attached.")
    folder = Path(upload_root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    (folder / stored_name).write_bytes(data)
    return StoredFile(
        original_name=download_name(clean_name(filename), content_type),
        stored_name=stored_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def path_of(upload_root: str, stored_name: str) -> Path:
    """Where a stored file lives (names are generated hex, so they cannot leave the folder)."""
    if not stored_name.isalnum():
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return Path(upload_root) / FOLDER / stored_name


def remove(upload_root: str, stored_name: str) -> None:
    path_of(upload_root, stored_name).unlink(missing_ok=True)
