"""After a restart: offer the unfinished transfers, connect to their hosts on demand, resume or discard them.

The journal records each side of a job as a `Place`: the host as the user
knows it (a saved host's name, or `user@host:port` for a quick connect) and
what reconnecting needs (the profile id, or the target text typed).  Resuming
connects to a host that is not open yet through the app's `Connections`, so
the usual trust and login questions are asked, then continues the job from
its partial files.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING

from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.transfer import Endpoint, JobRecord, LocalEndpoint, Place, Transfer, discard_job
from sshdeck.core.transfer.errors import describe
from sshdeck.ui.screens.copy_dialog import place as place_text
from sshdeck.ui.screens.resume_dialog import ResumeAnswer, ResumeDialog, gather_unfinished, shown

if TYPE_CHECKING:
    from sshdeck.ui.connections import Connection
    from sshdeck.ui.transfers import DoneCallback, TransferController, TransferJob

log = logging.getLogger(__name__)
TARGET_PREFIX = "target:"
OPENING_WAIT_STEPS = 50  # tenths of a second to wait for a location that is being opened at start  # how Connections keys a quick-connect session


def host_label(text: str, connection: "Connection") -> str:
    """A quick-connect host as the user knows it: `user@host:port`, after the alias when one was typed."""
    from sshdeck.core.hosts.targets import TargetError, parse_target

    try:
        target = parse_target(text)
    except TargetError:
        return connection.label
    typed = (f"{target.user}@" if target.user else "") + target.host + (f":{target.port}" if target.port else "")
    resolved = connection.session.target
    if resolved is None:
        return typed
    address = f"{resolved.user}@{resolved.host}:{resolved.port}"
    return address if typed in (address, f"{resolved.user}@{resolved.host}") else f"{typed} ({address})"


class ResumeFlow:
    """The resume half of the TransferController (which delegates here)."""

    def __init__(self, controller: "TransferController") -> None:
        self.controller = controller

    @property
    def app(self):
        return self.controller.app

    # -- what a job's sides are called, and finding them again ----------------------------

    def place_for(self, fs: FileSystem, folder: str, connection: "Connection | None" = None) -> Place:
        """How the journal remembers one side of a new job."""
        if isinstance(fs, LocalFS):
            return Place(place_text(fs, folder), folder)
        connections = self.controller.connections
        opened = connections.open.values() if connections is not None else []
        connection = connection or next((c for c in opened if c.fs is fs), None)
        if connection is None:
            return Place(fs.label, folder, remote=True)  # the demo: resumable only while it is open
        if connection.key.startswith(TARGET_PREFIX):
            text = connection.key[len(TARGET_PREFIX):]
            return Place(host_label(text, connection), folder, target=text, remote=True)
        return Place(connection.label, folder, profile=connection.key, remote=True)

    def current_endpoint(self, text: str) -> Endpoint | None:
        """The endpoint a journal line names (`local:/p`, `sftp://key/p`), when it is reachable now."""
        if text.startswith("local:"):
            folder = text[len("local:"):]
            return LocalEndpoint(folder) if os.path.isdir(folder) else None
        best = None
        connections = self.controller.connections
        if connections is not None:
            for spot in connections.locations():
                prefix = f"sftp://{spot.key}"
                if isinstance(spot.fs, SftpFS) and text.startswith(prefix + "/"):
                    if best is None or len(prefix) > len(best[0]):
                        best = (prefix, spot.fs)
        if best is None:
            return None
        return self.controller.endpoint_for(best[1], text[len(best[0]):])

    def can_connect(self, place: Place | None) -> bool:
        return place is not None and place.can_connect and self.controller.connections is not None

    async def endpoint(self, place: Place | None, text: str) -> Endpoint | None:
        """Reachable now, or after connecting to the place's host (with the usual questions); None if not."""
        found = self.current_endpoint(text)
        if found is not None:
            return found
        if not self.can_connect(place):
            # The demo (or a host given on the command line) may still be connecting at start.
            for _ in range(OPENING_WAIT_STEPS):
                await asyncio.sleep(0.1)
                found = self.current_endpoint(text)
                if found is not None:
                    break
            return found
        assert place is not None
        connection = await self._connect(place)
        if connection is None or connection.fs is None:
            return None
        return self.controller.endpoint_for(connection.fs, place.folder, connection)

    async def _connect(self, place: Place) -> "Connection | None":
        from sshdeck.core.hosts.targets import TargetError, parse_target
        from sshdeck.core.ssh.profile_connect import spec_for_target, spec_from_profile
        from sshdeck.ui.connections import ConnectionFailed

        store = getattr(self.app, "store", None)
        ssh_config = getattr(self.app, "ssh_config", None)
        try:
            if place.profile is not None:
                profile = store.get(place.profile) if store is not None else None
                if profile is None:
                    self._warn(f"Cannot resume: the saved host {place.label} no longer exists")
                    return None
                key, label = profile.id, profile.name
                spec = spec_from_profile(profile, store, ssh_config=ssh_config)
            else:
                text = place.target or ""
                spec, profile = spec_for_target(parse_target(text), ssh_config=ssh_config, store=store)
                key, label = (profile.id, profile.name) if profile is not None else (TARGET_PREFIX + text, text)
        except (TargetError, ValueError, OSError) as exc:
            self._warn(f"Cannot resume: {place.label}: {exc}")
            return None
        self.app.notify(f"Connecting to {place.label} to resume…", timeout=3, markup=False)
        try:
            return await self.controller.connections.connect(key, label, spec)
        except ConnectionFailed as exc:
            if not exc.shown:
                self._warn(f"Cannot resume: {exc}", title=f"Cannot connect to {place.label}")
            return None

    def _warn(self, text: str, title: str = "Transfer") -> None:
        self.app.notify(text, title=title, severity="warning", markup=False)

    # -- the offer at start ----------------------------------------------------------------

    def offer(self, on_done: "DoneCallback | None" = None) -> None:
        self.app.run_worker(self._offer(on_done), group="transfers-resume", exit_on_error=False)

    async def _offer(self, on_done: "DoneCallback | None") -> None:
        journal = self.controller.journal
        if journal is None:
            return
        jobs = await gather_unfinished(journal, journal.unfinished(), self.current_endpoint, self.can_connect)
        if not jobs:
            return
        future: asyncio.Future[ResumeAnswer | None] = asyncio.get_running_loop().create_future()
        self.app.push_screen(ResumeDialog(jobs), lambda answer: future.done() or future.set_result(answer))
        answer = await future
        if answer is None:
            return
        for job in answer.jobs:
            if answer.action == "resume":
                await self.resume(job.record, on_done)
            else:
                await self.discard(job.record)

    async def resume(self, record: JobRecord, on_done: "DoneCallback | None" = None) -> "TransferJob | None":
        """Continue a journaled job, connecting to its hosts first when they are not open."""
        journal = self.controller.journal
        source = await self.endpoint(record.source_place, record.source)
        dest = await self.endpoint(record.dest_place, record.dest) if source is not None else None
        if source is None or dest is None or journal is None:
            missing = shown(record, "source" if source is None else "dest")
            self._warn(f"Cannot resume now: {missing} is not reachable")
            return None
        title = f"Resume {shown(record, 'source')} → {shown(record, 'dest')}"
        controller = self.controller
        return controller._launch(title, shown(record, "dest"), lambda job: Transfer.resume_job(
            record, source, dest, journal=journal, **controller._callbacks(job)), on_done)

    async def discard(self, record: JobRecord) -> None:
        """Forget a journaled job and delete its partial files (when the destination is reachable)."""
        journal = self.controller.journal
        if journal is None:
            return
        dest = self.current_endpoint(record.dest)
        if dest is None:
            journal.forget_job(record.id)
            self._warn(f"Forgot the transfer to {shown(record, 'dest')}; its partial files there were not removed")
            return
        try:
            await discard_job(journal, record, dest)
        except Exception as exc:  # noqa: BLE001
            self.app.notify(f"Discarding the transfer to {shown(record, 'dest')}: {describe(exc)}",
                            severity="error", markup=False)

