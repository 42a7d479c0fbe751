"""The world's files, asked: every CSV and workbook of the shared corpus (other projects' test
suites) that ingests answers its first suggested question (a question about its columns,
under whatever names they have) through the engine path, with an explanation, and never ends
in an unexpected failure."""
from insight_dash.eval.harness import ingest
from insight_dash.models import Dataset
from insight_dash.services import engines
from insight_dash.services.suggestions import suggest_questions

SUFFIXES = (".csv", ".tsv", ".xlsx")


def test_every_ingested_corpus_file_is_askable(session_app, corpus, tmp_path):
    settings = session_app.extensions["insight_settings"]
    files = sorted(path for path in corpus.rglob("*") if path.suffix.lower() in SUFFIXES and path.is_file())
    asked, problems = 0, []
    for number, path in enumerate(files):
        try:
            data = ingest(path, tmp_path / str(number))
        except Exception:  # refused or not read: the ingest suites' concern, not this one's
            continue
        meta = {"default_table": data.profiles[0]["name"], "tables": data.profiles}
        question = suggest_questions(Dataset(meta=meta, status="ready"))[0]
        answer = engines.answer(settings, data.tables, question)  # an unexpected fault raises here
        asked += 1
        if answer.result["type"] == "decline" or not answer.explanation:
            problems.append(f"{path.relative_to(corpus)}: {question!r} -> {answer.result['value']!r}")
    assert asked >= 200, asked
    assert not problems, "\n".join(problems)
