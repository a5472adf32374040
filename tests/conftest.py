"""Shared test fixtures: hermetic home folders and real SSH servers on loopback.

Every test runs with HOME and the XDG folders pointed at a temporary folder,
so nothing reads or writes the real ~/.ssh, config, data or log folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def hermetic_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME with its own XDG folders for each test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_RUNTIME_DIR", "run"),
    ):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        monkeypatch.setenv(var, str(path))
    # An agent socket from the developer's session must not leak keys in.
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv("SSH_AGENT_PID", raising=False)
    return home


@pytest.fixture(autouse=True)
def no_bandwidth_limit_left_behind():
    """The total bandwidth limit is process-wide (an app test may set it): every test starts and ends without one."""
    from sshdeck.core.transfer.rate_limit import TOTAL

    TOTAL.set_rate(0)
    yield
    TOTAL.set_rate(0)


# -- real servers ----------------------------------------------------------------

import pytest_asyncio  # noqa: E402

from sshdeck.core.ssh.demo import DemoServer, make_sample_tree  # noqa: E402
from tests.support.openssh import OpenSSHServer, find_sshd  # noqa: E402


@pytest.fixture
def demo_root(tmp_path: Path) -> Path:
    """A folder holding the demo's sample tree."""
    root = tmp_path / "demo-root"
    root.mkdir()
    make_sample_tree(root)
    return root


@pytest_asyncio.fixture
async def demo_server(demo_root: Path):
    """sshdeck's own in-process asyncssh server, serving `demo_root`."""
    async with DemoServer(demo_root) as server:
        yield server


def _require_sshd() -> None:
    if find_sshd() is None:
        message = "OpenSSH's sshd is not installed (apt-get install openssh-server)"
        if os.environ.get("SSHDECK_REQUIRE_OPENSSH") == "1":
            pytest.fail(message + ", and SSHDECK_REQUIRE_OPENSSH=1 requires it")
        pytest.skip(message)


@pytest.fixture(scope="session")
def openssh_server(tmp_path_factory: pytest.TempPathFactory):
    """Debian's sshd on a free loopback port, key login for the current user."""
    _require_sshd()
    with OpenSSHServer(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture
def make_openssh_server(tmp_path_factory: pytest.TempPathFactory):
    """Start extra sshd instances with their own config lines; all stopped at the end."""
    _require_sshd()
    started: list[OpenSSHServer] = []

    def make(extra_config: str = "", host_key_type: str = "ed25519") -> OpenSSHServer:
        server = OpenSSHServer(tmp_path_factory.mktemp("sshd"), extra_config, host_key_type)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()
