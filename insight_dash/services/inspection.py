"""Upload inspection: decide what a file really is before any parser touches it.

The content decides, not the name: python-magic gives a first opinion and our own checks
look inside. Accepted: CSV text (encoding and delimiter detected) and plain OOXML
workbooks. Everything else is refused with a message that says why.
"""
from __future__ import annotations

import codecs
import csv
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import magic
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_xml

from insight_dash.services.errors import ServiceError

ACCEPTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx")
SAMPLE_BYTES = 1024 * 1024
DELIMITERS = ",;\t|"
# Zip-bomb limits: a genuine 100 MB workbook inflates to well under 2 GiB and a few
# thousand parts; sheet XML compresses about 10-30x, so 200x marks a bomb.
MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"
_XML_DANGER = (b"<!DOCTYPE", b"<!ENTITY")
_CHUNK = 1024 * 1024
_DAMAGE_CHECK_BYTES = 64 * 1024 * 1024
_BOMB = "This workbook expands to an unreasonable size (a zip bomb) and was refused."
_DAMAGED = "This workbook is damaged: an internal part cannot be read."
_ENTITIES = "This workbook contains XML entity declarations, which are not allowed."


class UploadRefused(ServiceError):
    """The file was refused; the message says why in words a person understands."""


@dataclass(frozen=True)
class Inspection:
    kind: str  # "csv" or "xlsx"
    mime: str
    encoding: str | None = None
    delimiter: str | None = None


def inspect_upload(path: Path, filename: str, max_bytes: int) -> Inspection:
    """Classify the file at `path` or raise UploadRefused."""
    size = path.stat().st_size
    if size == 0:
        raise UploadRefused("The file is empty.")
    if size > max_bytes:
        raise UploadRefused(f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlam"):
        raise UploadRefused("Macro-enabled workbooks (.xlsm) are not accepted. Save it as .xlsx without macros.")
    if suffix == ".xlsb":
        raise UploadRefused("Binary workbooks (.xlsb) are not supported. Save it as .xlsx.")
    if suffix == ".xls":
        raise UploadRefused("Excel 97-2003 workbooks (.xls) are not supported. Save it as .xlsx.")
    if suffix == ".ods":
        raise UploadRefused("OpenDocument spreadsheets (.ods) are not supported. Save it as .xlsx.")
    if suffix not in ACCEPTED_EXTENSIONS:
        raise UploadRefused("Only CSV (.csv) and Excel (.xlsx) files are accepted.")

    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    mime = magic.from_buffer(head[:65536], mime=True)
    if head.startswith(_OLE_SIGNATURE):
        _refuse_ole(head)
    if head.startswith(_ZIP_SIGNATURE):
        _check_workbook_package(path, size)
        return Inspection(kind="xlsx", mime=mime)
    if suffix == ".xlsx":
        raise UploadRefused("This file is named .xlsx but is not an Excel workbook.")
    encoding = detect_encoding(head)
    text = head.decode(encoding, errors="replace")
    if _looks_binary(head, encoding, text):
        raise UploadRefused(f"This file is not a CSV: it holds binary data ({mime}).")
    markup = _markup(text)
    if markup:
        raise UploadRefused(f"This file is {markup}, not a CSV. Save the table itself as CSV or Excel "
                            f"(for a web page: open it and export or copy the table).")
    return Inspection(kind="csv", mime=mime, encoding=encoding, delimiter=detect_delimiter(text))


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else Windows-1252, else Latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sample's end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # The most frequent candidate that appears the same number of times on most lines.
        counts = {d: sum(line.count(d) for line in lines) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _markup(text: str) -> str:
    """What markup document the text is ("a web page (HTML)"), or "" for anything else."""
    start = text.lstrip("\ufeff \t\r\n")[:4096].lower()
    if not start.startswith("<"):
        return ""
    if start.startswith(("<!doctype html", "<html")) or "<html" in start[:1024] or "<body" in start:
        return "a web page (HTML)"
    if "<svg" in start:
        return "an SVG image"
    if start.startswith("<?xml"):
        return "an XML document"
    return ""  # a CSV whose first cell holds a link or some markup is still a CSV


def _looks_binary(head: bytes, encoding: str, text: str) -> bool:
    if encoding != "utf-16" and b"\x00" in head:
        return True
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t\f")
    return controls > max(8, len(text[:65536]) // 100)


def _refuse_ole(head: bytes) -> None:
    """An OLE2 compound file is either an encrypted OOXML workbook or a legacy .xls."""
    if "EncryptedPackage".encode("utf-16-le") in head or b"EncryptionInfo" in head:
        raise UploadRefused("This workbook is password-protected. Remove the password and upload it again.")
    raise UploadRefused("Excel 97-2003 workbooks (.xls) are not supported. Save it as .xlsx.")


def _check_workbook_package(path: Path, size: int) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UploadRefused("This file is damaged: it looks like a workbook but cannot be opened.") from None
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        _check_bomb(entries, size)
        if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
            raise UploadRefused("OpenDocument spreadsheets (.ods) are not supported. Save it as .xlsx.")
        if "[Content_Types].xml" not in names:
            raise UploadRefused("This file is a zip archive, not an Excel workbook.")
        content_types = _read_safe_xml(archive, "[Content_Types].xml").lower()
        lowered = {name.lower() for name in names}
        if "xl/vbaproject.bin" in lowered or "macroenabled" in content_types or "vbaproject" in content_types:
            raise UploadRefused("This workbook contains macros. Save it as .xlsx without macros and upload it again.")
        if "xl/workbook.bin" in lowered or "sheet.binary" in content_types:
            raise UploadRefused("Binary workbooks (.xlsb) are not supported. Save it as .xlsx.")
        if "xl/workbook.xml" not in lowered:
            raise UploadRefused("This file is a zip archive, not an Excel workbook.")
        if any(name.startswith("xl/externallinks/") for name in lowered) or "xl/connections.xml" in lowered:
            raise UploadRefused(
                "This workbook links to external files or data connections. "
                "Paste the values in and remove the links, then upload it again."
            )
        if any(name.startswith(("xl/embeddings/", "xl/activex/")) for name in lowered) or "oleobject" in content_types:
            raise UploadRefused("This workbook contains embedded objects. Remove them and upload it again.")
    _scan_xml_parts(path, entries)


def _check_bomb(entries: list[zipfile.ZipInfo], size: int) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UploadRefused("This workbook has too many internal parts to be a real spreadsheet.")
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_UNCOMPRESSED_BYTES or declared > size * MAX_COMPRESSION_RATIO:
        raise UploadRefused(_BOMB)


def _read_safe_xml(archive: zipfile.ZipFile, name: str) -> str:
    data = archive.read(name)
    try:
        safe_xml(data)
    except DefusedXmlException:
        raise UploadRefused(_ENTITIES) from None
    except Exception:
        raise UploadRefused("This workbook is damaged: an internal part is not valid XML.") from None
    return data.decode("utf-8", errors="replace")


def _scan_xml_parts(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    """Inflate every part once, from its raw compressed bytes.

    zipfile stops reading at the size the header declares, so a part whose header lies about
    its size (how zip bombs slip past size checks) looks harmless through it; the parser
    would inflate the whole stream. Here the real output is counted and must match the
    declared size, and no XML part may declare a DTD or entities.
    """
    budget = MAX_UNCOMPRESSED_BYTES
    with open(path, "rb") as handle:
        for entry in entries:
            is_xml = entry.filename.lower().endswith((".xml", ".rels", ".vml"))
            try:
                budget -= _inflate_entry(handle, entry, is_xml, budget)
            except (zlib.error, struct.error):
                raise UploadRefused(_DAMAGED) from None


def _inflate_entry(handle: BinaryIO, entry: zipfile.ZipInfo, is_xml: bool, budget: int) -> int:
    handle.seek(entry.header_offset)
    local = handle.read(30)
    if local[:4] != _ZIP_SIGNATURE or entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UploadRefused(_DAMAGED)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(entry.header_offset + 30 + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if entry.compress_type == zipfile.ZIP_DEFLATED else None
    remaining, inflated, tail = entry.compress_size, 0, b""
    # Past the declared size the part is damaged or a bomb: inflating on, up to what no real part
    # reaches, tells which.
    limit = min(max(min(entry.compress_size * MAX_COMPRESSION_RATIO, _DAMAGE_CHECK_BYTES), entry.file_size), budget)
    while remaining > 0:
        raw = handle.read(min(remaining, _CHUNK))
        if not raw:
            raise UploadRefused(_DAMAGED)
        remaining -= len(raw)
        pending = raw
        while pending:
            chunk = inflater.decompress(pending, _CHUNK) if inflater else pending
            pending = inflater.unconsumed_tail if inflater else b""
            inflated += len(chunk)
            if inflated > limit:
                raise UploadRefused(_BOMB)
            if is_xml:
                if any(marker in tail + chunk for marker in _XML_DANGER):
                    raise UploadRefused(_ENTITIES)
                tail = chunk[-16:]
    if inflater is not None and not inflater.eof:
        raise UploadRefused(_BOMB)  # the stream goes on past its declared compressed size
    if inflated != entry.file_size:
        raise UploadRefused(_DAMAGED)  # e.g. a bad CRC or a cut stream: not what its header says
    return inflated
