"""Real-world files: each awkward file of the manifest (awkward_files.json: files of the shared
corpus, and files tests/awkward_files.py writes for traits the corpus lacks) reads into the
tables it should, with the warnings that say what was done, or is refused with the reason it
should be; and no file of the corpus ends in a raw library message."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from insight_dash.services.inspection import UploadRefused, inspect_upload
from insight_dash.services.parsing import ParsedTable, parse_upload
from insight_dash.services.profiling import column_kind
from tests.awkward_files import GENERATED

MANIFEST = json.loads(Path(__file__).with_name("awkward_files.json").read_text(encoding="utf-8"))
# What a library says, never a person: a refusal holding one of these leaked an exception.
RAW = ("Error", "error:", "Exception", "Traceback", "arrow", "Arrow", "calamine", "Calamine", "fastexcel",
       "CSV parse", "errno", "\\x", "0x")


def read(path: Path) -> list[ParsedTable]:
    return parse_upload(path, inspect_upload(path, path.name, 200 * 1024 * 1024))


def source(name: str, corpus: Path, folder: Path) -> Path:
    if name.startswith("generated:"):
        path = folder / name.split(":", 1)[1]
        GENERATED[path.name](path)
        return path
    return corpus / name


def test_the_manifest_covers_at_least_forty_files_and_every_generated_one():
    assert len(MANIFEST) >= 40
    assert {f"generated:{name}" for name in GENERATED} <= set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_an_awkward_file_reads_right_or_is_refused_with_its_reason(name, corpus, tmp_path):
    expected = MANIFEST[name]
    path = source(name, corpus, tmp_path)
    if "refused" in expected:
        with pytest.raises(UploadRefused) as refusal:
            read(path)
        assert expected["refused"] in refusal.value.message
        return
    tables = read(path)
    assert len(tables) == len(expected["tables"]), [table.name for table in tables]
    for table, wanted in zip(tables, expected["tables"]):
        check_table(table, wanted)
    warnings = [warning for table in tables for warning in table.warnings]
    for fragment in expected.get("warnings", []):
        assert any(fragment in warning for warning in warnings), (fragment, warnings)


def check_table(table: ParsedTable, wanted: dict) -> None:
    frame = table.frame
    for key, actual in (("name", table.name), ("rows", len(frame)), ("columns", [str(c) for c in frame.columns]),
                        ("visibility", table.visibility)):
        if key in wanted:
            assert actual == wanted[key], (key, actual)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    for column, kind in wanted.get("kinds", {}).items():
        assert column_kind(arrow.schema.field(column).type) == kind, (column, arrow.schema.field(column).type)
    for column, values in wanted.get("values", {}).items():
        got = frame[column].tolist()[:len(values)]
        assert got == (pytest.approx(values) if all(isinstance(v, (int, float)) for v in values) else values), column


def test_no_corpus_file_ends_in_a_raw_library_message(corpus):
    files = sorted(path for path in corpus.rglob("*") if path.is_file() and path.name not in ("SOURCE.md", "INVENTORY.tsv"))
    read_fine, refused = 0, 0
    for path in files:
        try:
            read(path)  # any exception but a refusal fails the test here, with its file named by pytest
            read_fine += 1
        except UploadRefused as refusal:
            refused += 1
            assert not any(marker in refusal.message for marker in RAW), (path, refusal.message)
    assert read_fine >= 235 and read_fine + refused == len(files)
