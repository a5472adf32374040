"""Which transfer endpoints may run over a host's bulk connection, and swapping them in while a job runs.

A job is built (and journaled, and shown) with the endpoints the panes use,
on the shared connection.  For as long as it runs, `BulkRoutes.route` puts
in its place the same folder over the host's `BulkLink` (opened on first
use), holds the link so it is not closed as idle, and puts the original
back afterwards, so a retry routes again.  When the bulk connection cannot
be opened the job simply keeps the shared endpoint, and `on_shared` hears
why, once per link (one host's session): the app says so in a notice.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from sshdeck.core.inert import Inert
from sshdeck.core.ssh.bulk import BulkLink, Reconnect, bulk_endpoint
from sshdeck.core.ssh.session import Session
from sshdeck.core.transfer import Endpoint, Transfer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BulkRecipe:
    """How to rebuild one endpoint over a bulk link: its folder, its names, the shared way back."""

    link: BulkLink
    folder: str
    label: str
    descriptor: str
    shared_reconnect: Reconnect | None = None


class BulkRoutes:
    """Remembers the endpoints that have a bulk link; routes a Transfer's endpoints over it while it runs."""

    def __init__(self, on_shared: Callable[[str, Inert], None] | None = None) -> None:
        """`on_shared(label, reason)`: a transfer to `label` runs on the shared connection, said once per link."""
        self._recipes: weakref.WeakKeyDictionary[Endpoint, BulkRecipe] = weakref.WeakKeyDictionary()
        self.on_shared = on_shared
        self._told: weakref.WeakSet[BulkLink] = weakref.WeakSet()

    def remember(self, endpoint: Endpoint, recipe: BulkRecipe) -> Endpoint:
        self._recipes[endpoint] = recipe
        return endpoint

    def recipe(self, endpoint: Endpoint) -> BulkRecipe | None:
        return self._recipes.get(endpoint)

    @contextlib.asynccontextmanager
    async def route(self, transfer: Transfer) -> AsyncIterator[list[BulkLink]]:
        """Run `transfer` over bulk connections inside this block; yields the links in use."""
        held: list[BulkLink] = []
        swapped: list[tuple[str, Endpoint]] = []
        try:
            for side in ("source", "dest"):
                original: Endpoint = getattr(transfer, side)
                recipe = self._recipes.get(original)
                if recipe is None:
                    continue
                recipe.link.hold()
                held.append(recipe.link)
                try:
                    endpoint = await bulk_endpoint(recipe.link, recipe.folder, label=recipe.label,
                                                   descriptor=recipe.descriptor, shared_reconnect=recipe.shared_reconnect,
                                                   on_shared=lambda reason, recipe=recipe: self._tell(recipe, reason))
                    reason = recipe.link.shared_reason
                except Exception:  # noqa: BLE001 - the shared endpoint still works
                    log.exception("routing a transfer over the bulk connection failed")
                    endpoint, reason = None, Inert("an unexpected error (details in the log)")
                if endpoint is not None:
                    setattr(transfer, side, endpoint)
                    swapped.append((side, original))
                elif reason is not None:
                    self._tell(recipe, reason)
            yield [link for link in held if link.is_open]
        finally:
            for side, original in swapped:
                setattr(transfer, side, original)
            for link in held:
                link.release()

    def _tell(self, recipe: BulkRecipe, reason: Inert) -> None:
        if self.on_shared is None or recipe.link in self._told:
            return
        self._told.add(recipe.link)
        try:
            self.on_shared(recipe.label, reason)
        except Exception:  # noqa: BLE001 - a notice failing must not stop the transfer
            log.exception("telling that transfers share the connection failed")


def shared_reconnector(session: Session, reconnect_session: Reconnect) -> Reconnect:
    """The way back when the bulk connection cannot be opened again: the session's SFTP client,
    reconnecting the session (`reconnect_session`, which may ask for a password) only when it is down too."""

    async def reconnect():
        if session.connected:
            return await session.sftp()
        return await reconnect_session()

    return reconnect
