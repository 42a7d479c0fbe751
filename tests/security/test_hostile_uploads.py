"""Hostile files through the real upload route: each is built here, refused with its own
message, and leaves nothing behind (no Dataset row, no stored object, no streamed temp file).

Clean files are accepted too, so the suite fails if the route simply refuses everything.
"""
from __future__ import annotations

import dataclasses
import io
import random
import uuid
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from insight_dash.extensions import db
from insight_dash.models import Dataset
from insight_dash.services.inspection import UploadRefused, inspect_upload
from insight_dash.jobs.threads import wait_for_jobs

MB = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

# The phrases inspection.py (and the 413 handler) use, one per reason.
MACROS = "This workbook contains macros"
MACRO_NAME = "Macro-enabled workbooks (.xlsm) are not accepted"
LEGACY_XLS = "Excel 97-2003 workbooks (.xls) are not supported"
XLSB = "Binary workbooks (.xlsb) are not supported"
ODS = "OpenDocument spreadsheets (.ods) are not supported"
PASSWORD = "This workbook is password-protected"
EXTERNAL = "This workbook links to external files or data connections"
EMBEDDED = "This workbook contains embedded objects"
ZIP_BOMB = "This workbook expands to an unreasonable size (a zip bomb)"
TOO_MANY_PARTS = "This workbook has too many internal parts"
ENTITIES = "This workbook contains XML entity declarations"
NOT_CSV = "This file is not a CSV: it holds binary data"
PLAIN_ZIP = "This file is a zip archive, not an Excel workbook"
DAMAGED = "This file is damaged"
DAMAGED_PART = "This workbook is damaged"
NOT_XLSX = "This file is named .xlsx but is not an Excel workbook"
WRONG_TYPE = "Only CSV (.csv) and Excel (.xlsx) files are accepted"
EMPTY = "The file is empty"


# ---------------------------------------------------------------- file builders


def clean_workbook(tmp_path: Path) -> bytes:
    """A small, genuine .xlsx made by openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Readings"
    sheet.append(["unit", "temperature_c", "pressure_kpa"])
    for row in range(20):
        sheet.append([f"U{row % 3}", 60 + row / 10, 300 + row])
    path = tmp_path / "clean.xlsx"
    book.save(path)
    return path.read_bytes()


def repack(tmp_path: Path, extra: dict[str, bytes] | None = None,
           replace: dict[str, bytes] | None = None) -> bytes:
    """The clean workbook re-zipped with parts replaced and extra parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(clean_workbook(tmp_path))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename, source.read(item.filename)))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def content_types(tmp_path: Path) -> str:
    with zipfile.ZipFile(io.BytesIO(clean_workbook(tmp_path))) as source:
        return source.read("[Content_Types].xml").decode()


def macro_workbook(tmp_path: Path) -> bytes:
    """A real workbook with a VBA project and the macro-enabled main content type."""
    types = content_types(tmp_path).replace(XLSX_CONTENT_TYPE, MACRO_CONTENT_TYPE)
    types = types.replace("</Types>", '<Default Extension="bin" '
                          'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    assert MACRO_CONTENT_TYPE in types
    return repack(tmp_path, extra={"xl/vbaProject.bin": OLE2 + b"\x00" * 2040 + b"Attribute VB_Name"},
                  replace={"[Content_Types].xml": types.encode()})


def legacy_xls(tmp_path: Path) -> bytes:
    """An OLE2 compound file, as Excel 97-2003 writes it."""
    return OLE2 + random.Random(1).randbytes(8 * 1024)


def binary_workbook_zip(tmp_path: Path) -> bytes:
    """An OOXML package whose workbook part is binary (xl/workbook.bin), as in .xlsb."""
    return zip_of({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                               b'package/2006/content-types"/>',
        "xl/workbook.bin": random.Random(2).randbytes(1024),
    })


def opendocument(tmp_path: Path) -> bytes:
    """An .ods: first entry `mimetype`, stored uncompressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content '
                         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
                         zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def encrypted_workbook(tmp_path: Path) -> bytes:
    """A password-protected .xlsx: an OLE2 container holding an EncryptedPackage stream."""
    directory = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    return OLE2 + b"\x00" * 504 + directory + random.Random(3).randbytes(4096)


def external_link_workbook(tmp_path: Path) -> bytes:
    return repack(tmp_path, extra={"xl/externalLinks/externalLink1.xml":
                                   b'<externalLink xmlns="http://schemas.openxmlformats.org/'
                                   b'spreadsheetml/2006/main"/>'})


def data_connection_workbook(tmp_path: Path) -> bytes:
    return repack(tmp_path, extra={"xl/connections.xml":
                                   b'<connections xmlns="http://schemas.openxmlformats.org/'
                                   b'spreadsheetml/2006/main"><connection id="1" name="db"/></connections>'})


def embedded_object_workbook(tmp_path: Path) -> bytes:
    return repack(tmp_path, extra={"xl/embeddings/oleObject1.bin": OLE2 + b"\x00" * 1024})


def ratio_bomb(tmp_path: Path) -> bytes:
    """The clean workbook plus 300 MB of zeros that deflate to about 300 KB, written in
    chunks so the test never holds the 300 MB."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(repack(tmp_path))
    chunk = bytes(MB)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/padding.bin", "w") as entry:
            for _ in range(300):
                entry.write(chunk)
    return path.read_bytes()


def entry_count_bomb(tmp_path: Path) -> bytes:
    """A real workbook's parts plus 10,001 tiny entries."""
    path = tmp_path / "many.xlsx"
    path.write_bytes(repack(tmp_path))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        for index in range(10_001):
            archive.writestr(f"xl/media/p{index}.bin", b"x")
    return path.read_bytes()


def lying_header_bomb(tmp_path: Path) -> bytes:
    """A part whose central directory claims 1 KB (with the CRC of the real 20 MB) while it
    inflates to 20 MB: the declared total stays under the ratio limit."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(clean_workbook(tmp_path))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/media/image1.bin", bytes(20 * MB))
        target.getinfo("xl/media/image1.bin").file_size = 1024  # the central directory lies
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as check:
        assert check.getinfo("xl/media/image1.bin").file_size == 1024
    return data


def lying_sheet_bomb(tmp_path: Path) -> bytes:
    """The sheet part holds 100 MB of rows (about 2 million) but its central directory entry
    declares only the original sheet's opening, with that prefix's CRC: a reader that
    trusts the header sees a small, valid part; a parser that inflates the stream gets it all."""
    with zipfile.ZipFile(io.BytesIO(clean_workbook(tmp_path))) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    head, tail = parts["xl/worksheets/sheet1.xml"].split(b"</sheetData>")
    row = b'<row><c t="n"><v>1</v></c><c t="n"><v>2</v></c></row>'
    block = row * (MB // len(row))
    path = tmp_path / "lying-sheet.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                target.writestr(name, data)
                continue
            with target.open(name, "w") as entry:
                entry.write(head)
                for _ in range(100):
                    entry.write(block)
                entry.write(b"</sheetData>" + tail)
            declared = target.getinfo(name)
            declared.file_size, declared.CRC = len(head), zlib.crc32(head)  # the central directory lies
    return path.read_bytes()


def entity_bomb(tmp_path: Path) -> bytes:
    """Billion laughs at the top of xl/workbook.xml."""
    laughs = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">'
                                        for i in range(1, 10)]
    with zipfile.ZipFile(io.BytesIO(clean_workbook(tmp_path))) as source:
        workbook = source.read("xl/workbook.xml").decode()
    body = workbook.split("?>", 1)[1] if workbook.startswith("<?xml") else workbook
    bomb = f'<?xml version="1.0"?>\n<!DOCTYPE workbook [{"".join(laughs)}]>' + body.replace(
        "<sheets>", "<sheets><!-- &lol9; -->", 1)
    return repack(tmp_path, replace={"xl/workbook.xml": bomb.encode()})


def entity_in_content_types(tmp_path: Path) -> bytes:
    """An entity declaration in [Content_Types].xml, the part inspection parses."""
    types = content_types(tmp_path)
    types = types.replace("<Types", '<!DOCTYPE Types [<!ENTITY x "xxxxxxxx">]><Types', 1)
    return repack(tmp_path, replace={"[Content_Types].xml": types.encode()})


def random_bytes(tmp_path: Path) -> bytes:
    return random.Random(0).randbytes(64 * 1024)


def png_image(tmp_path: Path) -> bytes:
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x01\x00" * 2 + b"\x08\x02\x00\x00\x00"
    return header + zlib.crc32(header[12:]).to_bytes(4, "big") + random.Random(4).randbytes(4096)


def elf_binary(tmp_path: Path) -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + random.Random(5).randbytes(4096)


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def plain_zip(tmp_path: Path) -> bytes:
    return zip_of({"readme.txt": b"hello", "data/values.csv": b"a,b\n1,2\n"})


def truncated_workbook(tmp_path: Path) -> bytes:
    data = clean_workbook(tmp_path)
    return data[: len(data) // 2]


def text_file(tmp_path: Path) -> bytes:
    return b"This is a letter, not a spreadsheet.\nRegards,\nMallory\n"


def json_document(tmp_path: Path) -> bytes:
    return b'{"unit": "U1", "temperature_c": 61.5}\n'


def empty(tmp_path: Path) -> bytes:
    return b""


HOSTILE = [
    # builder, uploaded name, expected status, phrases (any one must appear)
    (macro_workbook, "report.xlsm", 422, (MACRO_NAME,)),
    (macro_workbook, "report.xlsx", 422, (MACROS,)),
    (legacy_xls, "legacy.xls", 422, (LEGACY_XLS,)),
    (legacy_xls, "legacy.xlsx", 422, (LEGACY_XLS,)),
    (binary_workbook_zip, "binary.xlsb", 422, (XLSB,)),
    (binary_workbook_zip, "binary.xlsx", 422, (XLSB,)),
    (opendocument, "sheet.ods", 422, (ODS,)),
    (opendocument, "sheet.xlsx", 422, (ODS,)),
    (encrypted_workbook, "secret.xlsx", 422, (PASSWORD,)),
    (external_link_workbook, "linked.xlsx", 422, (EXTERNAL,)),
    (data_connection_workbook, "connected.xlsx", 422, (EXTERNAL,)),
    (embedded_object_workbook, "embedded.xlsx", 422, (EMBEDDED,)),
    (ratio_bomb, "ratio-bomb.xlsx", 422, (ZIP_BOMB,)),
    (entry_count_bomb, "many-parts.xlsx", 422, (TOO_MANY_PARTS,)),
    (lying_header_bomb, "lying-header.xlsx", 422, (ZIP_BOMB, DAMAGED_PART)),
    (lying_sheet_bomb, "lying-sheet.xlsx", 422, (ZIP_BOMB, DAMAGED_PART)),
    (entity_bomb, "laughs.xlsx", 422, (ENTITIES,)),
    (entity_in_content_types, "laughs-types.xlsx", 422, (ENTITIES,)),
    (random_bytes, "random.csv", 422, (NOT_CSV,)),
    (png_image, "image.csv", 422, (NOT_CSV,)),
    (elf_binary, "program.csv", 422, (NOT_CSV,)),
    (plain_zip, "archive.xlsx", 422, (PLAIN_ZIP,)),
    (truncated_workbook, "truncated.xlsx", 422, (DAMAGED,)),
    (text_file, "letter.xlsx", 422, (NOT_XLSX,)),
    (elf_binary, "program.exe", 422, (WRONG_TYPE,)),
    (json_document, "values.json", 422, (WRONG_TYPE,)),
    (empty, "empty.csv", 422, (EMPTY,)),
]


# ---------------------------------------------------------------- helpers


@pytest.fixture
def signed_in(client, make_user, sign_in):
    make_user("mallory")
    sign_in(client, "mallory")
    client.get("/")  # sets the _csrf_token cookie
    return client


def post_file(client, content: bytes, filename: str, csrf: bool = True):
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if csrf and cookie else {}
    return client.post("/upload", data={"file": (io.BytesIO(content), filename)}, headers=headers,
                       content_type="multipart/form-data")


def leftovers(app) -> dict[str, list]:
    """Everything an upload could have left: rows, stored objects, streamed or work files."""
    wait_for_jobs(timeout=60)
    settings = app.extensions["insight_settings"]
    with app.app_context():
        rows = [(d.name, d.status) for d in db.session.scalars(sa.select(Dataset))]
        db.session.remove()

    def files(folder: Path) -> list[str]:
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []

    return {"datasets": rows, "storage": files(app.extensions["insight_storage"].root),
            "uploads": files(settings.data_dir / "uploads"), "work": files(settings.data_dir / "work")}


NOTHING = {"datasets": [], "storage": [], "uploads": [], "work": []}


# ---------------------------------------------------------------- hostile files


@pytest.mark.parametrize(("builder", "filename", "status", "phrases"), HOSTILE,
                         ids=[f"{b.__name__}-{name}" for b, name, _, _ in HOSTILE])
def test_hostile_file_is_refused_and_leaves_nothing(app, signed_in, tmp_path, builder, filename, status, phrases):
    response = post_file(signed_in, builder(tmp_path), filename)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert any(phrase in error for phrase in phrases), error
    assert leftovers(app) == NOTHING


def test_oversized_upload_gets_413_with_the_limit(app, signed_in, monkeypatch):
    # As configured in production, only with a 1 MB limit: the body may exceed it by 1 MB.
    small = dataclasses.replace(app.extensions["insight_settings"], max_upload_mb=1)
    monkeypatch.setitem(app.extensions, "insight_settings", small)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", small.max_upload_bytes + MB)
    response = post_file(signed_in, b"a,b\n" + b"1,2\n" * (MB // 2), "big.csv")  # 2 MB
    assert response.status_code == 413
    assert response.get_json() == {"error": "The file is larger than the 1 MB limit."}
    assert leftovers(app) == NOTHING


def test_upload_between_the_limit_and_the_body_limit_is_refused_by_inspection(app, signed_in, monkeypatch):
    small = dataclasses.replace(app.extensions["insight_settings"], max_upload_mb=1)
    monkeypatch.setitem(app.extensions, "insight_settings", small)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", small.max_upload_bytes + MB)
    response = post_file(signed_in, b"a,b\n" + b"1,2\n" * (3 * MB // 8), "big.csv")  # 1.5 MB
    assert response.status_code == 422
    assert response.get_json() == {"error": "The file is larger than the 1 MB limit."}
    assert leftovers(app) == NOTHING


def test_oversized_chunked_upload_leaves_no_streamed_file(app, signed_in, monkeypatch):
    """Without Content-Length (chunked, as gunicorn passes it on) the limit trips mid-body,
    after the part has begun streaming to disk."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", MB)
    boundary = "hostileboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + b"1,2\n" * (MB // 2) + f"\r\n--{boundary}--\r\n".encode()
    response = signed_in.post(
        "/upload", input_stream=io.BytesIO(body), content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": signed_in.get_cookie("_csrf_token").value, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert "MB limit" in response.get_json()["error"]
    assert leftovers(app) == NOTHING


def test_inspection_refuses_a_file_over_max_bytes(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * (MB // 2))  # 2 MB
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(path, "big.csv", max_bytes=MB)
    assert refused.value.message == "The file is larger than the 1 MB limit."


# ---------------------------------------------------------------- who may upload


def test_anonymous_upload_gets_401(app, client, tmp_path):
    response = post_file(client, clean_workbook(tmp_path), "clean.xlsx")
    assert response.status_code == 401
    assert leftovers(app) == NOTHING


def test_upload_without_csrf_header_gets_400(app, signed_in, tmp_path):
    response = post_file(signed_in, clean_workbook(tmp_path), "clean.xlsx", csrf=False)
    assert response.status_code == 400
    assert "out of date" in response.get_json()["error"]
    assert leftovers(app) == NOTHING


def test_file_posted_to_another_route_leaves_no_streamed_file(app, client, tmp_path):
    """Any multipart POST streams its file parts to disk, not only /upload."""
    response = client.post("/login", data={"username": "x", "password": "y",
                                           "file": (io.BytesIO(clean_workbook(tmp_path)), "clean.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 400)
    assert leftovers(app) == NOTHING


def test_missing_file_gets_400(app, signed_in):
    response = signed_in.post("/upload", data={}, headers={"X-CSRFToken": signed_in.get_cookie("_csrf_token").value},
                              content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Choose a CSV or Excel file to upload."}
    assert leftovers(app) == NOTHING


# ---------------------------------------------------------------- positive controls


@pytest.mark.parametrize(("filename", "content"), [
    ("readings.csv", "\ufeffunit;temperature_c;note\nU1;61,5;café\nU2;59,0;ok\nU3;60,2;naïve\n".encode("utf-8")),
    ("clean.xlsx", None),
])
def test_clean_files_are_accepted_and_end_ready(app, signed_in, tmp_path, filename, content):
    response = post_file(signed_in, content or clean_workbook(tmp_path), filename)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == filename and body["status"] == "processing"
    wait_for_jobs(timeout=60)
    with app.app_context():
        dataset = db.session.get(Dataset, uuid.UUID(body["dataset_id"]))
        assert dataset.status == "ready", dataset.error_message
        assert dataset.meta["row_count"] == (3 if filename.endswith(".csv") else 20)
        if filename.endswith(".csv"):
            assert (dataset.meta["delimiter"], dataset.meta["encoding"]) == (";", "utf-8-sig")
        db.session.remove()
    left = leftovers(app)
    assert left["uploads"] == [] and left["work"] == []
    assert any(name.endswith(("original.csv", "original.xlsx")) for name in left["storage"])
