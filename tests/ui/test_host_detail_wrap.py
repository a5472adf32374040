"""The sidebar's detail lines wrap instead of being cut: a certificate note or a long refusal is read in full."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widgets import Static

from sshdeck.ui.widgets.host_sidebar import CONNECTED, ERROR, HostSidebar
from tests.ui.test_host_sidebar import SidebarApp, two_groups

CERT_NOTE = "certificate for web, alice, deploy-bot-2026, valid until 2026-11-29 15:00 UTC"
REFUSAL = (
    "authentication failed for root@192.0.2.5 (tried: publickey); the server refused key ED25519 "
    "SHA256:jMb1CZWCAofxPo+dRIEutqPBTQY8NX9JD2uNQpUQ3KQ (~/.ssh/id_ed25519). Usual causes: the key is not in "
    "authorized_keys, a from= restriction (this machine connected from 127.0.0.1), or the account is locked"
)


def shown_text(detail: Static) -> str:
    """The words the detail really draws, lines joined."""
    width, height = detail.outer_size
    strips = detail.render_lines(Region(0, 0, width, height))
    return " ".join(" ".join(strip.text.split()) for strip in strips).strip()


@pytest.mark.parametrize("size", [(60, 30), (160, 48)])
@pytest.mark.parametrize(("status", "message"), [(CONNECTED, CERT_NOTE), (ERROR, REFUSAL)])
async def test_detail_lines_wrap_in_full(size, status, message) -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=size) as pilot:
        sidebar = app.query_one(HostSidebar)
        sidebar.set_status("id-nas", status, message)
        await pilot.press("down", "down")
        await pilot.pause()
        detail = sidebar.query_one("#hosts-detail", Static)
        assert str(detail.content).endswith(message)
        text = shown_text(detail)
        words = " ".join(message.split())
        assert text.replace(" ", "").endswith(words.replace(" ", "")), text


def test_certificate_note_draws_principals_inert() -> None:
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from sshdeck.core.ssh.auth import UserCertificateInfo
    from sshdeck.ui.connections import certificate_note

    cert = UserCertificateInfo("c", "id", ("web\x1b[2J", "alice"), None, datetime(2026, 11, 29, 15, 0, tzinfo=timezone.utc))
    connection = SimpleNamespace(session=SimpleNamespace(auth=SimpleNamespace(certificates=[cert])))
    note = certificate_note(connection)
    assert "\x1b" not in note
    assert note.startswith("certificate for web") and note.endswith(", alice, valid until 2026-11-29 15:00 UTC")
