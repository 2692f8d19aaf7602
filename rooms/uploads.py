"""What an uploaded file may be: its size, and its type read from its content.

Only the kinds of files people share in a deal are accepted: PDF, PNG, JPEG, GIF and WebP
images, Word, Excel and PowerPoint documents (OOXML), CSV and plain text. Anything a browser
could run (HTML, SVG, XML) or a computer could execute is refused, whatever its name says, and
the name must agree with the content: a PNG called ``report.pdf`` is refused too. The type is
read with puremagic (signatures, no system libmagic); Office documents and text are checked
further here, since a signature alone cannot tell a .docx from any zip, or text from binary.
"""

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat

HEAD_BYTES = 8192
CHUNK_BYTES = 64 * 1024
MAX_ZIP_ENTRIES = 10_000


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    extensions: tuple[str, ...]  # the first is added to a name that has no extension

    @property
    def inline(self) -> bool:
        """Opened in the browser rather than downloaded: images only (see resource_views)."""
        return self.content_type.startswith("image/")

    @property
    def header(self) -> str:
        """The Content-Type a download is served with."""
        if self.content_type.startswith("text/"):
            return f"{self.content_type}; charset=utf-8"
        return self.content_type


PDF = FileType("application/pdf", "PDF document", (".pdf",))
PNG = FileType("image/png", "PNG image", (".png",))
JPEG = FileType("image/jpeg", "JPEG image", (".jpg", ".jpeg"))
GIF = FileType("image/gif", "GIF image", (".gif",))
WEBP = FileType("image/webp", "WebP image", (".webp",))
OOXML = "application/vnd.openxmlformats-officedocument"
DOCX = FileType(f"{OOXML}.wordprocessingml.document", "Word document", (".docx",))
XLSX = FileType(f"{OOXML}.spreadsheetml.sheet", "Excel workbook", (".xlsx",))
PPTX = FileType(f"{OOXML}.presentationml.presentation", "PowerPoint deck", (".pptx",))
CSV = FileType("text/csv", "CSV file", (".csv",))
TEXT = FileType("text/plain", "text file", (".txt",))

FILE_TYPES = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, CSV, TEXT)
BY_CONTENT_TYPE = {t.content_type: t for t in FILE_TYPES}
BY_SIGNATURE = {t.content_type: t for t in (PDF, PNG, JPEG, GIF, WEBP)}
OOXML_FOLDERS = {"word": DOCX, "xl": XLSX, "ppt": PPTX}
ACCEPT = ",".join(ext for t in FILE_TYPES for ext in t.extensions)
ACCEPTED = "PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, CSV or plain text"

# A name's extension: a short run of letters and digits after its last dot ("v1.2" has one).
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")
# Text that a browser would take for a page or an image that runs scripts.
MARKUP = re.compile(rb"^\s*<(\?xml|!doctype|!--|html|svg|script|head|body|iframe)", re.I)


def too_big_message() -> str:
    return f"The file is larger than {filesizeformat(settings.RESOURCE_MAX_BYTES)}."


def clean_name(name: str) -> str:
    """The name as uploaded, less control characters (Django already took the path off)."""
    name = "".join(c for c in name if unicodedata.category(c) != "Cc").strip()
    return name[:255] or "file"


def extension(name: str) -> str:
    match = EXTENSION.search(name)
    return match.group(0).lower() if match else ""


def served_name(name: str, file_type: FileType) -> str:
    """The download's name: as uploaded, with the type's extension when it had none."""
    return name if extension(name) else f"{name}{file_type.extensions[0]}"


def check_upload(upload: IO[bytes], *, name: str, size: int) -> FileType:
    """The upload's type, or a ValidationError on ``file`` that says what is wrong."""
    if size <= 0:
        raise ValidationError({"file": "The file is empty."})
    if size > settings.RESOURCE_MAX_BYTES:
        raise ValidationError({"file": too_big_message()})
    file_type = detect(upload)
    ext = extension(name)
    if file_type in (CSV, TEXT) and ext in CSV.extensions + TEXT.extensions:
        file_type = CSV if ext in CSV.extensions else TEXT
    if ext and ext not in file_type.extensions:
        expected = " or ".join(file_type.extensions)
        raise ValidationError(
            {"file": f"This is a {file_type.label}, but its name ends in {ext}: use {expected}."}
        )
    return file_type


def detect(upload: IO[bytes]) -> FileType:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if not head:
        raise ValidationError({"file": "The file is empty."})
    if head.startswith(b"PK\x03\x04"):
        return _office_document(upload)
    signed = [BY_SIGNATURE[guess] for guess in _best_guesses(head) if guess in BY_SIGNATURE]
    if signed:
        return signed[0]
    if _is_text(upload):
        if MARKUP.match(head.removeprefix(codecs.BOM_UTF8)):
            raise ValidationError({"file": "HTML, SVG and XML files are not accepted."})
        if head.removeprefix(codecs.BOM_UTF8).startswith(b"#!"):
            raise ValidationError({"file": "Scripts are not accepted."})
        return TEXT
    # Not what puremagic guessed: its name for a refused file is often a wild one.
    raise ValidationError({"file": f"This kind of file is not accepted, only {ACCEPTED}."})


def _best_guesses(head: bytes) -> list[str]:
    """The content types puremagic finds most likely (ties: a PDF also matches FDF's entry)."""
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return []
    best = max((match.confidence for match in matches), default=0)
    return [match.mime_type for match in matches if match.confidence == best]


def _is_text(upload: IO[bytes]) -> bool:
    """UTF-8 all the way through, with no NUL byte."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    upload.seek(0)
    try:
        while chunk := upload.read(CHUNK_BYTES):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _office_document(upload: IO[bytes]) -> FileType:
    """A Word, Excel or PowerPoint file: a zip with the OOXML manifest and one main folder."""
    refused = ValidationError(
        {"file": f"Zip archives are not accepted, only Office documents among them: {ACCEPTED}."}
    )
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValidationError({"file": "The file is damaged: it could not be read."}) from None
    finally:
        upload.seek(0)
    if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
        raise refused
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError({"file": "Office documents with macros are not accepted."})
    folders = {name.split("/", 1)[0] for name in names if "/" in name}
    found = [file_type for folder, file_type in OOXML_FOLDERS.items() if folder in folders]
    if len(found) != 1:
        raise refused
    return found[0]


class SizeLimitHandler(FileUploadHandler):
    """Stops taking in a file once it is over the limit, so that a huge upload never reaches
    the disk; ``too_big`` tells the view why the file is missing."""

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_big = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_big = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file
