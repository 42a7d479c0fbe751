"""Hostile analysis code against every sandbox layer.

Static refusals name their rule; code that passes the static check is stopped by the runner,
DuckDB's configuration, resource limits or seccomp; and code sent straight to the zygote,
skipping the static check, proves the OS layers hold on their own. After each case nothing
has happened: no file written, no process spawned, the web process unchanged.
"""
import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from insight_dash.sandbox import client
from insight_dash.sandbox.policy import CodeRefused, check_code
from insight_dash.settings import DEFAULT_SANDBOX_IMPORTS

MARKER = Path("/tmp/insight-sandbox-pwned")

STATIC_REFUSALS = [
    ("import os", "import"),
    ("import subprocess\nsubprocess.run(['id'])", "import"),
    ("import socket", "import"),
    ("import ctypes", "import"),
    ("import importlib", "import"),
    ("import pickle", "import"),
    ("import shutil", "import"),
    ("import pathlib", "import"),
    ("from os import system", "import"),
    ("import numpy.ctypeslib", "import"),
    ("import plotly.io as pio", "import"),
    ("from pandas.io import common", "import"),
    ("from . import secrets", "import"),
    ("os_module = __import__('os')", "forbidden-name"),
    ("().__class__.__mro__[-1].__subclasses__()", "dunder"),
    ("x = dfs[0]._mgr", "dunder"),
    ("getattr(pd, 'read_' + 'csv')('/etc/passwd')", "getattr"),
    ("getattr(pd, '__builtins__')", "dunder"),
    ("'{0.__class__.__init__.__globals__}'.format(dfs[0])", "format"),
    ("'{0.read_csv}'.format(pd)", "format"),
    ("pd.io.common.os.system('id')", "io"),
    ("pd.read_csv('/etc/passwd')", "io"),
    ("pd.read_json('http://169.254.170.2/v2/credentials')", "io"),
    ("pd.read_pickle('/tmp/x.pkl')", "io"),
    ("np.load('/tmp/x.npy', allow_pickle=True)", "io"),
    ("dfs[0].to_csv('/tmp/x.csv')", "io"),
    ("import plotly.express as px\npx.bar(dfs[0]).write_html('/app/x.html')", "io"),
    ("open('/etc/passwd').read()", "forbidden-name"),
    ("eval('1 + 1')", "forbidden-name"),
    ("exec('import os')", "forbidden-name"),
    ("compile('1', 'x', 'eval')", "forbidden-name"),
    ("globals()['os']", "forbidden-name"),
    ("breakpoint()", "forbidden-name"),
    ("input('password?')", "forbidden-name"),
    ("vars(pd)", "forbidden-name"),
    ("setattr(pd, 'x', 1)", "forbidden-name"),
    ("result = {'type': 'string', 'value': str(__builtins__)}", "forbidden-name"),
    ("def f(:\n  pass", "syntax"),
]


@pytest.mark.parametrize(("code", "rule"), STATIC_REFUSALS)
def test_static_check_names_the_rule(sandbox, sensor_parquet, code, rule):
    settings, _ = sandbox
    outcome = client.run_code(settings, code, [("sensors", sensor_parquet)])
    assert not outcome.ok and outcome.kind == "refused"
    assert outcome.message.startswith(f"{rule}:")


RUNTIME_BLOCKS = [
    ("x = execute_sql_query(\"SELECT * FROM read_text('/etc/passwd')\")", "execution", "disabled by configuration"),
    ("x = execute_sql_query(\"SELECT * FROM read_csv('/etc/passwd')\")", "execution", "disabled by configuration"),
    ("execute_sql_query(\"COPY (SELECT 1) TO '/tmp/insight-sandbox-pwned'\")", "sql", "Only SELECT"),
    ("execute_sql_query('INSTALL httpfs')", "sql", "Only SELECT"),
    ("execute_sql_query('LOAD httpfs')", "sql", "Only SELECT"),
    ("execute_sql_query(\"ATTACH '/tmp/insight-sandbox-pwned' AS x\")", "sql", "Only SELECT"),
    ("execute_sql_query('SET enable_external_access = true')", "sql", "Only SELECT"),
    ("execute_sql_query('SELECT 1; DROP TABLE sensors')", "sql", "Only SELECT"),
    ("while True:\n    pass", "timeout", "took longer than"),
    ("x = ' ' * 10**11", "memory", "out of memory"),
    ("x = np.zeros((10**6, 10**5))", "memory", "out of memory"),
    ("while True:\n    print('x' * 100000)", "output", "printed too much output"),
    ("import json\nresult = {'type': 'string', 'value': json.dumps(sorted(pd.__dict__))}", "refused", "dunder"),
    ("result = {'type': 'plot', 'value': '/tmp/chart.png'}", "not_plotly", "not a Plotly figure"),
    ("result = 42", "result", "did not set `result`"),
]


@pytest.mark.parametrize(("code", "kind", "phrase"), RUNTIME_BLOCKS)
def test_code_past_the_static_check_is_stopped(sandbox, sensor_parquet, code, kind, phrase):
    settings, _ = sandbox
    outcome = client.run_code(settings, code, [("sensors", sensor_parquet)])
    assert not outcome.ok and outcome.kind == kind, outcome
    assert phrase in outcome.message
    assert not MARKER.exists()


def raw(settings, code: str, tables=()):
    """Send code straight to the zygote, skipping the static check and with every builtin
    restored, as code that escaped the Python-level layers would have: the OS layers alone."""
    request = {"code": "from builtins import *\n" + code, "tables": [{"name": name} for name, _ in tables],
               "allowed_imports": ["builtins", "os", "socket", "subprocess", "threading", "pandas", "numpy"],
               "limits": {"memory_bytes": 2 * 1024**3, "cpu_seconds": 20, "timeout_seconds": 20, "max_threads": 256,
                          "require_seccomp": True}}
    fds = [os.open(path, os.O_RDONLY) for _, path in tables]
    try:
        return client._exchange(settings, request, fds)
    finally:
        for fd in fds:
            os.close(fd)


def answer(code_lines: str) -> str:
    return code_lines + "\nresult = {'type': 'string', 'value': str(outcome)}"


OS_LAYER = [
    # seccomp: a plain socket fails, so a silently missing filter fails this suite
    ("import socket\ntry:\n    socket.socket()\n    outcome = 'socket created'\nexcept PermissionError:\n"
     "    outcome = 'blocked'", "blocked"),
    ("import socket\ntry:\n    socket.create_connection(('169.254.170.2', 80), timeout=2)\n"
     "    outcome = 'connected'\nexcept PermissionError:\n    outcome = 'blocked'", "blocked"),
    ("import os\ntry:\n    os.system('touch /tmp/insight-sandbox-pwned')\n    outcome = 'ran'\n"
     "except PermissionError:\n    outcome = 'blocked'\noutcome = 'blocked' if os.system('true') != 0 else outcome",
     "blocked"),
    ("import subprocess\ntry:\n    subprocess.run(['touch', '/tmp/insight-sandbox-pwned'])\n    outcome = 'ran'\n"
     "except PermissionError:\n    outcome = 'blocked'", "blocked"),
    ("import os\ntry:\n    pid = os.fork()\n    outcome = 'forked'\n    if pid == 0:\n        os._exit(0)\n"
     "except PermissionError:\n    outcome = 'blocked'", "blocked"),
    ("try:\n    open('/tmp/insight-sandbox-pwned', 'w').write('x')\n    outcome = 'written'\n"
     "except PermissionError:\n    outcome = 'blocked'", "blocked"),
    ("import os\ntry:\n    os.kill(os.getppid(), 9)\n    outcome = 'killed'\nexcept PermissionError:\n"
     "    outcome = 'blocked'", "blocked"),
    ("import os\noutcome = 'clean' if not any(k.startswith(('AWS_', 'SECRET', 'DATABASE')) for k in os.environ) "
     "and b'SECRET' not in open('/proc/self/environ', 'rb').read() else 'leaked'", "clean"),
    ("import threading\nbox = []\nt = threading.Thread(target=lambda: box.append(1))\nt.start()\nt.join()\n"
     "outcome = 'threads work' if box else 'no threads'", "threads work"),
]


@pytest.mark.parametrize(("code", "expected"), OS_LAYER)
def test_os_layers_hold_without_the_static_check(sandbox, code, expected):
    settings, description = sandbox
    assert description["seccomp"], "seccomp must be active for this suite"
    response = raw(settings, answer(code))
    assert response["ok"], response
    assert response["result"]["value"] == expected
    assert not MARKER.exists()


def test_reads_outside_the_given_tables_are_denied(sandbox, session_app, sensor_parquet):
    """The zygote runs as its own user: the app's files and processes are out of its reach."""
    settings, description = sandbox
    if os.geteuid() == 0:
        assert description["uid"] != 0, "started as root, the zygote must switch to INSIGHT_SANDBOX_USER"
    secret_key_file = settings.data_dir / "secret_key"
    code = answer(
        "import os\nresults = []\n"
        f"for path in [{str(sensor_parquet)!r}, {str(settings.data_dir / 'storage')!r}, "
        f"'/proc/{os.getpid()}/environ', '/proc/{os.getpid()}/mem']:\n"
        "    try:\n        open(path, 'rb').read(10)\n        results.append('read ' + path)\n"
        "    except (PermissionError, IsADirectoryError, OSError):\n        results.append('denied')\n"
        "outcome = ','.join(results)")
    response = raw(settings, code)
    assert response["ok"], response
    assert response["result"]["value"] == "denied,denied,denied,denied"
    assert not secret_key_file.exists() or description["uid"] != os.getuid()


def test_the_given_table_is_readable(sandbox, sensor_parquet):
    settings, _ = sandbox
    code = "result = {'type': 'number', 'value': len(dfs[0])}"
    outcome = client.run_code(settings, code, [("sensors", sensor_parquet)])
    assert outcome.ok and outcome.result == {"type": "number", "value": 5000}


def test_monkeypatching_does_not_leak_into_the_next_query(sandbox, sensor_parquet):
    settings, _ = sandbox
    patch = "pd.DataFrame.mean = lambda self, *a, **k: 42\nresult = {'type': 'number', 'value': dfs[0].mean(numeric_only=True)}"
    assert client.run_code(settings, patch, [("sensors", sensor_parquet)]).result["value"] == 42
    honest = "result = {'type': 'number', 'value': float(dfs[0]['temperature_c'].mean())}"
    value = client.run_code(settings, honest, [("sensors", sensor_parquet)]).result["value"]
    assert value == pytest.approx(pd.read_parquet(sensor_parquet)["temperature_c"].mean())
    assert pd.DataFrame.mean is not None and pd.DataFrame({"a": [1, 3]}).mean()["a"] == 2  # web process untouched


def test_the_web_process_is_unchanged(sandbox, sensor_parquet):
    settings, _ = sandbox
    before = (os.getcwd(), dict(os.environ), pd.DataFrame.sum)
    client.run_code(settings, "import os\nos.chdir('/')", [("sensors", sensor_parquet)])
    raw(settings, "import os\nos.environ.clear()\nos.chdir('/')\nresult = {'type': 'number', 'value': 1}")
    assert (os.getcwd(), dict(os.environ), pd.DataFrame.sum) == before


def test_policy_allows_ordinary_analysis():
    check_code(
        "import pandas as pd\nimport plotly.express as px\nfrom collections import Counter\n"
        "df = dfs[0]\ntop = df.groupby('unit', as_index=False)['temperature_c'].mean()\n"
        "fig = px.bar(top, x='unit', y='temperature_c', title='Mean temperature by unit')\n"
        "result = {'type': 'plot', 'value': fig}\n", DEFAULT_SANDBOX_IMPORTS,
    )
    with pytest.raises(CodeRefused):
        check_code("import os", DEFAULT_SANDBOX_IMPORTS)


def test_a_dead_zygote_is_started_again(sandbox, sensor_parquet):
    settings, _ = sandbox
    before = client.ping(settings)
    os.kill(before["pid"], 9)
    outcome = client.run_code(settings, "result = {'type': 'number', 'value': 1}", [("sensors", sensor_parquet)])
    assert outcome.ok and outcome.result["value"] == 1
    after = client.ping(settings)
    assert after["pid"] != before["pid"] and after["uid"] == before["uid"] and after["seccomp"]


def test_the_masters_watch_starts_a_dead_zygote_before_a_question_needs_it(sandbox):
    settings, _ = sandbox
    before = client.ping(settings)
    stop = threading.Event()
    client.watch_zygote(settings, interval_s=0.2, stop=stop)
    try:
        os.kill(before["pid"], 9)
        deadline = time.monotonic() + 60
        while (after := client.ping(settings)) is None or after["pid"] == before["pid"]:
            assert time.monotonic() < deadline, "the zygote was not started again"
            time.sleep(0.2)
    finally:
        stop.set()
    assert after["uid"] == before["uid"] and after["seccomp"]


def test_a_worker_that_dropped_root_does_not_start_the_zygote_as_itself(sandbox, tmp_path, monkeypatch):
    settings, _ = sandbox
    elsewhere = replace(settings, data_dir=tmp_path)  # a host whose zygote is not running
    monkeypatch.setattr(client.os, "geteuid", lambda: 10001)  # Gunicorn's `insight` worker
    with pytest.raises(client.SandboxUnavailable, match="only a process started as root"):
        client.ensure_zygote(elsewhere)
    assert client.ping(elsewhere) is None
