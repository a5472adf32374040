"""The `sshdeck` command line: --version, --help, bad arguments, and crash output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sshdeck import __version__
from sshdeck.cli import main


def run_sshdeck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sshdeck", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=os.environ.copy(),
    )


def test_version_prints_the_package_version() -> None:
    result = run_sshdeck("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"sshdeck {__version__}"


def test_help_mentions_the_demo() -> None:
    result = run_sshdeck("--help")
    assert result.returncode == 0
    assert "--demo" in result.stdout
    assert "--theme" in result.stdout


def test_demo_with_a_missing_folder_is_a_clear_message(tmp_path: Path, capsys) -> None:
    code = main(["--demo", str(tmp_path / "nope")])
    assert code == 2
    err = capsys.readouterr().err
    assert "not a folder" in err
    assert "Traceback" not in err


CRASHING_APP = """
import sys
from sshdeck.app import SshdeckApp
from sshdeck.core.logs import setup_logging

class Crashing(SshdeckApp):
    def on_ready(self) -> None:
        password = "hunter2-" + "very-secret"
        raise RuntimeError("something broke")

setup_logging()
app = Crashing(local_path=sys.argv[1])
app.run(headless=True)
sys.exit(app.return_code)
"""


def test_crash_shows_a_short_message_and_logs_no_locals(tmp_path: Path, hermetic_home: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_APP)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "unexpected error (RuntimeError)" in output
    assert "sshdeck.log" in output
    assert "hunter2" not in output
    assert "password" not in output
    log_file = hermetic_home / ".local/state/sshdeck/log/sshdeck.log"
    log_text = log_file.read_text()
    assert "RuntimeError: something broke" in log_text
    assert "hunter2" not in log_text


def test_a_subcommand_imports_neither_textual_nor_the_other_commands() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sshdeck import cli\n"
        "cli.build_command_parser('ls').parse_args(['ls', 'host:/'])\n"
        "import sshdeck.commands.ls\n"
        "print('textual' in sys.modules, 'sshdeck.commands.cp' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_asyncssh_imported_quickly_still_finds_installed_libraries() -> None:
    import ctypes.util
    import subprocess
    import sys

    code = (
        "import ctypes.util\n"
        "before = ctypes.util.find_library\n"
        "from sshdeck.core.ssh.quick_import import import_asyncssh\n"
        "import_asyncssh()\n"
        "import asyncssh.crypto.umac as umac\n"
        "print(ctypes.util.find_library is before, bool(umac._nettle_lib))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "True"  # find_library is itself again afterwards
    assert out[1] == str(bool(ctypes.util.find_library("nettle")))  # nettle found exactly when it is installed


def test_cp_help_names_its_arguments_once() -> None:
    import subprocess
    import sys

    usage = subprocess.run([sys.executable, "-m", "sshdeck", "cp", "--help"], capture_output=True, text=True).stdout
    first = usage.split("\n\n")[0]
    assert first.rstrip().endswith("SRC... DST") and "[SRC" not in first
