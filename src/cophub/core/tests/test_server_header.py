"""`cophub serve`'s web server names no server software (issue 17, finding 9): gunicorn,
started as serve starts it, answers without a `Server` header."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from cophub.core.management.commands.serve import serve_children


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_as_serve_starts_it_sends_no_server_header(tmp_path):
    port = _free_port()
    [web] = [c for c in serve_children(bind=f"127.0.0.1:{port}", workers=1, threads=1,
                                       access_log=False) if c.name == "web"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cophub.config.settings.test",
           "COPHUB_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(web.argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        headers = None
        for _ in range(100):  # up to 20 s for the worker to boot
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    headers = r.headers
            except urllib.error.HTTPError as error:  # any answer from the app will do
                headers = error.headers
            except OSError:
                time.sleep(0.2)
                continue
            break
        assert headers is not None, process.stderr.read1().decode() if process.poll() else ""
        assert "Server" not in headers
        assert headers["Date"]  # gunicorn's other headers stay
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert sys.executable in web.argv[0]
