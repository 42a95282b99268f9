"""Fixtures for the Home Assistant integration tests: the integration exactly as HACS installs it
(the release zip built by scripts/build-hacs.sh, unpacked into a custom_components folder), and a
running Lookout peer (test/ha-peer/main.ts: synthetic cameras, the loopback ONVIF device, Lookout
with a token and manual recording) on 127.0.0.1.
"""

from __future__ import annotations

import atexit
from collections.abc import Generator
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

import pytest
import pytest_socket

REPO = Path(__file__).resolve().parent.parent

# --- the integration as HACS installs it (before anything imports `custom_components`)
_INSTALL = Path(tempfile.mkdtemp(prefix="lookout-hacs-"))
_ZIP = _INSTALL / "lookout.zip"
subprocess.run(
    ["bash", str(REPO / "scripts" / "build-hacs.sh"), str(_ZIP)], check=True, cwd=REPO, stdout=subprocess.DEVNULL
)
with zipfile.ZipFile(_ZIP) as z:
    z.extractall(_INSTALL / "custom_components" / "lookout")
sys.path.insert(0, str(_INSTALL))
atexit.register(shutil.rmtree, _INSTALL, ignore_errors=True)
INSTALLED = _INSTALL / "custom_components" / "lookout"


@pytest.fixture(autouse=True)
def allow_loopback() -> None:
    """pytest-homeassistant-custom-component blocks sockets (pytest-socket); these tests talk to a
    real Lookout, so sockets are allowed again, and connections only to loopback."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let HA load custom_components/lookout."""


class Peer:
    def __init__(self, proc: subprocess.Popen[bytes], info: dict) -> None:
        self.proc = proc
        self.url: str = info["url"]
        self.token: str = info["token"]
        self.control: str = info["control"]
        self.cameras: list[str] = info["cameras"]

    def get(self, path: str, token: bool = True):
        req = urllib.request.Request(f"{self.url}{path}")
        if token:
            req.add_header("authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback test peer
            return json.loads(resp.read())

    def motion(self, active: bool) -> None:
        req = urllib.request.Request(f"{self.control}/onvif/motion?active={str(active).lower()}", method="POST")
        urllib.request.urlopen(req, timeout=10).close()  # noqa: S310 - loopback test peer

    def add_camera(self) -> None:
        """Lookout's config gains camera "gate" and is reloaded, as when a user adds a camera."""
        req = urllib.request.Request(f"{self.control}/lookout/add-camera", method="POST")
        urllib.request.urlopen(req, timeout=30).close()  # noqa: S310 - loopback test peer

    def onvif_calls(self, command: str) -> list[dict]:
        with urllib.request.urlopen(f"{self.control}/onvif/calls?command={command}", timeout=10) as resp:  # noqa: S310
            return json.loads(resp.read())


@pytest.fixture(scope="session")
def peer() -> Generator[Peer, None, None]:
    """One Lookout peer for the whole run, in its own process group; ended by closing its stdin
    (it stops Lookout, awaits every FFmpeg, stops the cameras), SIGTERM/SIGKILL only as fallback."""
    proc = subprocess.Popen(
        ["node", "--import", "tsx", "test/ha-peer/main.ts"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "LOOKOUT_TEST": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=30)
        pytest.fail(f"the Lookout peer exited ({proc.returncode}) before it was ready")
    info = json.loads(line)
    yield Peer(proc, info)
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, f"the Lookout peer exited with {proc.returncode}"
    # Nothing of the peer's process group (FFmpeg, the RTSP server) is left.
    deadline = time.monotonic() + 5
    while True:
        left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if left:
        ps = subprocess.run(["ps", "-o", "pid,ppid,stat,args", "-p", ",".join(left)], capture_output=True, text=True)
        raise AssertionError(f"processes left in the peer's group:\n{ps.stdout}")
