"""The sandbox zygote holds the analysis libraries and nothing of the web app: every runner of
generated code is forked from it and inherits whatever it imported."""
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_LIBRARIES = {"flask", "werkzeug", "dash", "sqlalchemy", "flask_sqlalchemy", "boto3", "botocore", "litellm",
                 "pandasai", "psycopg", "celery", "redis"}
ANALYSIS_LIBRARIES = {"pandas", "numpy", "plotly", "duckdb", "pyarrow"}


def zygote_imports() -> set[str]:
    """Top-level packages the real zygote imported by the time it serves (`-X importtime`
    writes one line per import to stderr)."""
    with tempfile.TemporaryDirectory(prefix="zygote-") as folder:
        # A file, not a pipe: thousands of import lines would fill a pipe before "ready" comes.
        with open(Path(folder) / "imports.log", "w+") as log:
            zygote = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "insight_dash.sandbox.zygote",
                                       str(Path(folder) / "sandbox.sock")], cwd=ROOT, stdout=subprocess.PIPE,
                                      stderr=log, text=True)
            try:
                ready = zygote.stdout.readline()
            finally:
                zygote.terminate()
                zygote.wait(timeout=30)
            log.seek(0)
            stderr = log.read()
    assert "sandbox zygote ready" in ready, stderr[-2000:]
    names = [line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")]
    return {name.split(".", 1)[0] for name in names if name and name != "package"}


def test_the_zygote_loads_the_analysis_libraries_and_none_of_the_app():
    loaded = zygote_imports()
    assert ANALYSIS_LIBRARIES <= loaded
    assert loaded & APP_LIBRARIES == set()
