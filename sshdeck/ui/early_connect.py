"""Connecting to the host named at start while the app is still starting.

`sshdeck HOST:/folder` used to connect only once the main screen had been
composed and mounted; the connection now starts when the app loads (before
the screen is built), and the main screen's own connect joins it
(`Connections.early`).  Questions (an unknown host key, a passphrase, a
password) wait until the main screen is up, so no prompt is ever hidden
behind it.  The key, label and spec are worked out exactly as the main
screen does for the same text, so the two meet on the same key.
"""

from __future__ import annotations

import logging

from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.targets import TargetError, connection_label, parse_target
from sshdeck.core.ssh.connect_spec import ConnectSpec
from sshdeck.core.ssh.profile_connect import spec_for_target, spec_from_profile

log = logging.getLogger(__name__)


def initial_connection(text: str, store: ProfileStore, ssh_config: str | None) -> tuple[str, str, ConnectSpec] | None:
    """(key, label, spec) the main screen will connect with for `text`, or None when it will not connect."""
    profile = store.find_by_name(text)
    if profile is not None:
        return profile.id, profile.name, spec_from_profile(profile, store, ssh_config=ssh_config)
    try:
        target = parse_target(text)
    except TargetError:
        return None  # the main screen says why
    spec, profile = spec_for_target(target, ssh_config=ssh_config, store=store)
    if profile is not None:
        return profile.id, profile.name, spec
    return f"target:{text}", connection_label(target), spec


def start_early(app) -> None:
    """Start connecting to `app.initial_target` now; MainScreen joins it when it connects."""
    try:
        found = initial_connection(app.initial_target, app.store, app.ssh_config)
    except Exception:  # the main screen meets the same problem and reports it
        log.info("not connecting early to %r", app.initial_target, exc_info=True)
        found = None
    prelist = getattr(app, "prelist", None)
    if prelist is not None:  # the child listing the start folder (ui/prelist.py) lists it for this connection
        if found is None:
            prelist.close()
        else:
            prelist.expect(found[0])
    if found is not None:
        app.connections.start_early(*found)
