"""What a freshly logged-in account can do: file access or shell only, and where to start.

PaaS gateways often refuse the SFTP subsystem; chrooted and restricted accounts
may not be able to read their own home.  The file pane needs to know which,
in words it can show as they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

import asyncssh

from sshdeck.core.ssh.auth import escape_server_text

log = logging.getLogger(__name__)

NO_FILE_ACCESS = "This host offers no file access (shell only)"
# How servers say "no more channels on this connection": OpenSSH answers a
# session open beyond MaxSessions with "open failed" (connect failed).
CHANNEL_FULL_CODES = (
    asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
    asyncssh.OPEN_CONNECT_FAILED,
    asyncssh.OPEN_RESOURCE_SHORTAGE,
)


@dataclass(frozen=True)
class AccountInfo:
    """The file pane's starting point.

    `start_folder` None means no folder could be read: show `folder_problem`
    and offer "/" (`offer_root`).  A problem with the profile's folder when the
    home folder works gives both a start folder and a problem to mention.
    """

    sftp_available: bool
    message: str | None = None
    home: str | None = None
    start_folder: str | None = None
    folder_problem: str | None = None
    offer_root: bool = False


def _sftp_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return escape_server_text(str(reason), keep_newlines=False).rstrip(".").lower() or "refused"


async def _readable(sftp: asyncssh.SFTPClient, path: str) -> str | None:
    """None when `path` is a folder we can list; otherwise why not."""
    try:
        async for _entry in sftp.scandir(path):
            break
    except (asyncssh.SFTPError, OSError) as exc:
        return f"cannot open {escape_server_text(path, keep_newlines=False)}: {_sftp_reason(exc)}"
    return None


async def open_sftp_or_none(
    open_sftp: Callable[[], Awaitable[asyncssh.SFTPClient]],
) -> asyncssh.SFTPClient | None:
    """The SFTP client, or None on a host that offers no file access (a shell-only gateway).

    A full channel table (MaxSessions) is not "no SFTP": it is raised for the caller.
    """
    try:
        return await open_sftp()
    except asyncssh.ChannelOpenError as exc:
        if exc.code in CHANNEL_FULL_CODES:
            raise
        log.info("SFTP refused: %s", exc.reason)
    except (asyncssh.SFTPError, asyncssh.ConnectionLost, asyncssh.ProcessError) as exc:
        log.info("SFTP did not start: %s", exc)
    return None


async def detect_account(
    open_sftp: Callable[[], Awaitable[asyncssh.SFTPClient]],
    remote_folder: str | None = None,
) -> tuple[AccountInfo, asyncssh.SFTPClient | None]:
    """Open SFTP and find the folder to start in; the SFTP client is returned for reuse."""
    sftp = await open_sftp_or_none(open_sftp)
    if sftp is None:
        return AccountInfo(False, NO_FILE_ACCESS), None

    try:
        home: str | None = await sftp.realpath(".")
    except (asyncssh.SFTPError, OSError):
        home = None

    problem: str | None = None
    if remote_folder:
        try:
            wanted = await sftp.realpath(remote_folder)
        except (asyncssh.SFTPError, OSError) as exc:
            wanted = None
            problem = f"cannot open {escape_server_text(remote_folder, keep_newlines=False)}: {_sftp_reason(exc)}"
        if wanted is not None:
            problem = await _readable(sftp, wanted)
            if problem is None:
                return AccountInfo(True, home=home, start_folder=wanted), sftp

    if home is not None:
        home_problem = await _readable(sftp, home)
        if home_problem is None:
            return AccountInfo(True, home=home, start_folder=home, folder_problem=problem, offer_root=bool(problem)), sftp
        problem = problem or home_problem
    else:
        problem = problem or "cannot find the home folder"
    return AccountInfo(True, home=home, start_folder=None, folder_problem=problem, offer_root=True), sftp
