"""The Dockerfile read as instructions (tests/test_deploy.py checks them; tests/test_app_start.py
runs the image's HEALTHCHECK natively)."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped), one list per stage."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def healthcheck_command() -> list[str]:
    """The image's HEALTHCHECK command (exec form)."""
    (line,) = [line for line in dockerfile_stages()[-1] if line.startswith("HEALTHCHECK")]
    return json.loads(line.split(" CMD ", 1)[1])
