"""Importing Insight (and the LLM libraries it configures) makes no network call."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# An audit hook sees every socket operation, including DNS look-ups, before it happens.
PROBE = """
import json, sys
attempts = []
def record(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"):
        attempts.append([event, repr(args)[:200]])
sys.addaudithook(record)
import insight_dash.app
import litellm, pandasai
print(json.dumps(attempts))
"""


def test_import_makes_no_connection_attempt():
    env = {key: value for key, value in os.environ.items()
           if key not in ("LITELLM_LOCAL_MODEL_COST_MAP", "SCARF_NO_ANALYTICS", "DO_NOT_TRACK")}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    assert not (ROOT / "pandasai.log").exists()


def test_the_probe_does_see_connections():
    """The same probe catches an attempt when one is made, so the test above can fail."""
    probe = PROBE.replace("import litellm, pandasai", "import socket\ntry:\n    socket.getaddrinfo('example.invalid', 80)\nexcept OSError:\n    pass")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout.strip().splitlines()[-1])[0][0] == "socket.getaddrinfo"
