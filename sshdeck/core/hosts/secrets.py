"""Saved passwords, opt-in, through the OS keyring only.

sshdeck never writes a password to its own files.  A user may ask to save a
profile's password; it then goes to the operating system's secret store
through the optional ``keyring`` package (``pip install keyring``), under the
service "sshdeck" and the profile's id, and only when keyring's active backend
is one of the OS stores below.  A plaintext file, the "fail" and "null"
backends, keyrings.alt and unknown third-party backends are refused: every
function returns the reason as a sentence for the UI, which then asks for the
password each time instead.

The ``keyring`` module is imported only when one of these functions runs, so
sshdeck starts (and these functions answer) without it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

SERVICE = "sshdeck"

# Modules of keyring's own backends that are real OS secret stores.
SECURE_BACKEND_MODULES = {
    "keyring.backends.SecretService": "Secret Service (GNOME Keyring, KeePassXC…)",
    "keyring.backends.libsecret": "libsecret",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Locker",
}
_REFUSED_MODULES = {
    "keyring.backends.fail": "no keyring backend is available on this system",
    "keyring.backends.null": "the keyring is switched off (null backend)",
}


@dataclass(frozen=True)
class KeyringStatus:
    """Whether passwords can be saved; `reason` says why not, `backend` names the store."""

    usable: bool
    reason: str | None = None
    backend: str = ""


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def backend_refusal(backend: object) -> str | None:
    """Why `backend` (a keyring backend instance) is not a secure store, or None when it is one."""
    module = type(backend).__module__
    name = _backend_name(backend)
    if module in _REFUSED_MODULES:
        return _REFUSED_MODULES[module]
    if module == "keyring.backends.chainer":
        chained = list(getattr(backend, "backends", []) or [])
        if not chained:
            return "no keyring backend is available on this system"
        # The chainer stores into the first backend that accepts: all of them must be safe.
        for inner in chained:
            if reason := backend_refusal(inner):
                return f"one of the chained keyring backends is refused: {reason}"
        return None
    if module.startswith("keyrings.alt") or "plaintext" in name.lower():
        return f"{name} keeps passwords in a file, not in the OS secret store"
    if module not in SECURE_BACKEND_MODULES:
        return f"{name} is not one of the OS secret stores sshdeck trusts ({', '.join(SECURE_BACKEND_MODULES.values())})"
    try:
        # keyring's backends report priority <= 0 (or raise) when they cannot work here.
        priority = type(backend).priority  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return f"{name} is not usable here: {exc}"
    if not isinstance(priority, (int, float)) or priority <= 0:
        return f"{name} is not usable here"
    return None


def _import_keyring() -> ModuleType | None:
    try:
        return importlib.import_module("keyring")
    except ImportError:
        return None


def keyring_status() -> KeyringStatus:
    """Can a password be saved right now?  Asks keyring for its active backend."""
    module = _import_keyring()
    if module is None:
        return KeyringStatus(False, "keyring is not installed (pip install keyring) — sshdeck will ask each time")
    try:
        backend = module.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring config must not crash the app
        return KeyringStatus(False, f"the keyring could not be opened: {exc}")
    reason = backend_refusal(backend)
    return KeyringStatus(reason is None, reason, _backend_name(backend))


def _usable_keyring() -> tuple[ModuleType | None, str | None]:
    status = keyring_status()
    if not status.usable:
        return None, status.reason
    return _import_keyring(), None


def save_password(profile_id: str, password: str) -> str | None:
    """Store the password for a profile; None on success, else why it was not saved."""
    if not profile_id:
        return "the profile has no id"
    module, reason = _usable_keyring()
    if module is None:
        return reason
    try:
        module.set_password(SERVICE, profile_id, password)
    except Exception as exc:  # noqa: BLE001 - keyring raises backend-specific errors
        return f"the keyring refused to save the password: {type(exc).__name__}"
    return None


def get_password(profile_id: str) -> str | None:
    """The saved password, or None (none saved, or no secure keyring: then the UI asks)."""
    module, _ = _usable_keyring()
    if module is None or not profile_id:
        return None
    try:
        return module.get_password(SERVICE, profile_id)
    except Exception:  # noqa: BLE001 - a locked or broken keyring means "ask the user"
        return None


def delete_password(profile_id: str) -> str | None:
    """Forget the saved password (when a profile is deleted); None when gone or never saved."""
    module, _ = _usable_keyring()  # sshdeck only ever saved into a usable keyring
    if module is None or not profile_id:
        return None
    try:
        module.delete_password(SERVICE, profile_id)
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ == "PasswordDeleteError":
            return None  # nothing was saved
        return f"the keyring could not delete the password: {type(exc).__name__}"
    return None
