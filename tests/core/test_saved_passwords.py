"""Saved passwords: only in a real OS keyring, otherwise a reason and sshdeck asks each time.

The `keyring` package is optional and not installed in the test environment,
so these tests stand in a tiny module with keyring's four functions.  The
backend classes below say which keyring module they imitate through
``__module__``: that name is exactly what sshdeck's refusal logic inspects.
"""

from __future__ import annotations

import sys
import types

import pytest

from sshdeck.core.hosts import secrets


def backend(module: str, name: str = "Keyring", priority: float = 5, **attrs: object) -> object:
    cls = type(name, (), {"__module__": module, "priority": priority, **attrs})
    return cls()


class FakeKeyring(types.ModuleType):
    """keyring's module-level API over a dict; records every call."""

    def __init__(self, active: object) -> None:
        super().__init__("keyring")
        self.active = active
        self.stored: dict[tuple[str, str], str] = {}

    def get_keyring(self) -> object:
        return self.active

    def set_password(self, service: str, user: str, password: str) -> None:
        self.stored[(service, user)] = password

    def get_password(self, service: str, user: str) -> str | None:
        return self.stored.get((service, user))

    def delete_password(self, service: str, user: str) -> None:
        self.stored.pop((service, user))


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # makes `import keyring` raise ImportError


def install(monkeypatch: pytest.MonkeyPatch, active: object) -> FakeKeyring:
    fake = FakeKeyring(active)
    monkeypatch.setitem(sys.modules, "keyring", fake)
    return fake


def test_without_keyring_installed_nothing_is_saved_and_the_reason_says_so(no_keyring: None) -> None:
    status = secrets.keyring_status()
    assert not status.usable and "keyring is not installed" in (status.reason or "")
    assert "keyring is not installed" in (secrets.save_password("abc", "pw") or "")
    assert secrets.get_password("abc") is None
    assert secrets.delete_password("abc") is None


@pytest.mark.parametrize(
    ("active", "reason"),
    [
        (backend("keyring.backends.fail"), "no keyring backend is available"),
        (backend("keyring.backends.null"), "null backend"),
        (backend("keyrings.alt.file", "PlaintextKeyring"), "keeps passwords in a file"),
        (backend("keyrings.alt.file", "EncryptedKeyring"), "keeps passwords in a file"),
        (backend("somebody.plaintext_store", "PlaintextKeyring"), "keeps passwords in a file"),
        (backend("keyrings.cryptfile.cryptfile", "CryptFileKeyring"), "is not one of the OS secret stores"),
        (backend("keyring.backends.chainer", "ChainerBackend", backends=[]), "no keyring backend is available"),
        (
            backend(
                "keyring.backends.chainer",
                "ChainerBackend",
                backends=[backend("keyrings.alt.file", "PlaintextKeyring"), backend("keyring.backends.SecretService")],
            ),
            "chained keyring backends is refused",
        ),
        (backend("keyring.backends.SecretService", priority=0), "is not usable here"),
    ],
)
def test_insecure_backends_are_refused(monkeypatch: pytest.MonkeyPatch, active: object, reason: str) -> None:
    fake = install(monkeypatch, active)
    result = secrets.save_password("profile-id", "hunter2")
    assert result is not None and reason in result
    assert fake.stored == {}
    assert secrets.get_password("profile-id") is None


@pytest.mark.parametrize(
    "active",
    [
        backend("keyring.backends.SecretService"),
        backend("keyring.backends.macOS"),
        backend("keyring.backends.Windows", "WinVaultKeyring"),
        backend("keyring.backends.chainer", "ChainerBackend", backends=[backend("keyring.backends.kwallet", "DBusKeyring")]),
    ],
)
def test_os_stores_keep_the_password_under_the_profile_id(monkeypatch: pytest.MonkeyPatch, active: object) -> None:
    fake = install(monkeypatch, active)
    assert secrets.keyring_status().usable
    assert secrets.save_password("0123abcd", "hunter2") is None
    assert fake.stored == {("sshdeck", "0123abcd"): "hunter2"}
    assert secrets.get_password("0123abcd") == "hunter2"
    assert secrets.delete_password("0123abcd") is None
    assert fake.stored == {}


def test_a_backend_whose_priority_raises_is_refused() -> None:
    # keyring's backends compute `priority` on the class and raise when they cannot work.
    class Meta(type):
        @property
        def priority(cls) -> float:
            raise RuntimeError("D-Bus is not running")

    locked = Meta("Keyring", (), {"__module__": "keyring.backends.SecretService"})()
    assert "D-Bus is not running" in (secrets.backend_refusal(locked) or "")
