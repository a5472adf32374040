"""A pane's folder as a transfer endpoint, as the app's transfers and syncs need it.

A local folder is a `LocalEndpoint`.  A folder on a host is an
`SftpEndpoint` that can reconnect (through the host's session, so the panes
browse through the new connection too), open more SFTP channels and run
commands on the host, and, while a job runs, goes over the host's own
transfer connection (`BulkRoutes`) so a shell tab there stays responsive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.ssh.bulk_routes import BulkRecipe, BulkRoutes, shared_reconnector
from sshdeck.core.transfer import Endpoint, LocalEndpoint, SftpEndpoint

if TYPE_CHECKING:
    from sshdeck.ui.connections import Connection, Connections


def pane_endpoint(fs: FileSystem, folder: str, connections: "Connections | None", bulk: BulkRoutes,
                  connection: "Connection | None" = None) -> Endpoint:
    """The endpoint for `folder` of a pane's `fs`; with the host's connection (found when not given) it can reconnect."""
    if isinstance(fs, LocalFS):
        return LocalEndpoint(folder)
    if not isinstance(fs, SftpFS):
        raise TypeError(f"cannot transfer with {type(fs).__name__}")
    opened = connections.open.values() if connections is not None else []
    connection = connection or next((c for c in opened if c.fs is fs), None)
    places = connections.locations() if connections is not None else []
    key = connection.key if connection else next((p.key for p in places if p.fs is fs), fs.label)
    endpoint = SftpEndpoint(fs.sftp, folder, label=fs.label, descriptor=f"sftp://{key}",
                            reconnect=_reconnector(connection, fs) if connection is not None else None,
                            channels=connection.session.start_sftp_client if connection is not None else None,
                            commands=connection.session.create_process if connection is not None else None)
    if connection is not None and connection.bulk is not None:
        bulk.remember(endpoint, BulkRecipe(connection.bulk, folder, fs.label, f"sftp://{key}",
                                           shared_reconnector(connection.session, _reconnector(connection, fs))))
    return endpoint


def _reconnector(connection: "Connection", fs: SftpFS):
    """The engine's reconnect: a fresh session and SFTP client, which the panes then browse through too."""

    async def reconnect():
        await connection.session.reconnect()
        sftp = await connection.session.sftp()
        fs.sftp = sftp
        return sftp

    return reconnect
