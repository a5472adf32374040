"""Import host profiles from an OpenSSH client config (~/.ssh/config or a file the user names).

:func:`preview_ssh_config` reads the file (following ``Include``) and returns
one :class:`ImportCandidate` per concrete ``Host`` alias, with the settings
that OpenSSH itself would use for ``ssh ALIAS``: keywords are case-insensitive,
the first value found wins (IdentityFile, CertificateFile and the Local/
Remote/DynamicForward lines add up), and wildcard blocks (``Host *``, ``Host *.corp !db.corp``) apply to
the aliases they match without being hosts themselves.  ``Match`` blocks are
skipped with a note (``Match all`` is read as ``Host *``).

Settings sshdeck cannot honour safely are *risks*: ``StrictHostKeyChecking
no`` (the profile keeps "ask"), ``UserKnownHostsFile /dev/null`` or ``none``
(sshdeck keeps checking).  Settings that are carried over but run something
on this computer are *confirmations*: ProxyCommand, shown with its command.
:func:`import_candidates` imports a candidate with either only when its alias
is in ``confirm_risky``, and writes what was confirmed and what was not carried
over into the profile's notes.

Reading the files (Include, Host/Match) is `ssh_config_read`; mapping an
alias's settings onto a profile is `ssh_config_profile`; this module holds the
steps the dialog and the CLI call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sshdeck.core.hosts.profiles import MAX_NOTES, HostProfile
from sshdeck.core.hosts.ssh_config_profile import ImportCandidate, candidate_for
from sshdeck.core.hosts.ssh_config_read import ConfigItem, ConfigReader, collect_settings, concrete_aliases

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class ImportPreview:
    """What the import dialog lists, and notes about the files themselves."""

    source: Path
    candidates: list[ImportCandidate]
    notes: list[str]


@dataclass
class ImportOutcome:
    imported: list[HostProfile]
    skipped: dict[str, str]  # alias → why


# -- the public steps ------------------------------------------------------------


def default_config_path() -> Path:
    return Path.home() / ".ssh" / "config"


def preview_ssh_config(
    path: Path | None = None, *, existing: list[HostProfile] | tuple[HostProfile, ...] = (), ssh_dir: Path | None = None
) -> ImportPreview:
    """Read an ssh_config and list its concrete Host aliases as candidate profiles; never raises for file contents."""
    path = Path(path) if path is not None else default_config_path()
    home = Path.home()
    reader = ConfigReader(Path(ssh_dir) if ssh_dir is not None else home / ".ssh")
    items = reader.read(path, 0)
    aliases: dict[str, str] = {}
    concrete_aliases(items, aliases)
    candidates = []
    for alias, source in aliases.items():
        found: dict[str, list[ConfigItem]] = {}
        collect_settings(items, alias, found)
        candidate = candidate_for(alias, source, found, home)
        candidate.duplicate_of = find_duplicate(candidate.profile, existing)
        candidates.append(candidate)
    return ImportPreview(path, candidates, reader.notes)


def find_duplicate(profile: HostProfile, existing: list[HostProfile] | tuple[HostProfile, ...]) -> HostProfile | None:
    """An existing profile with the same name or the same user@host:port."""
    for other in existing:
        if other.name.casefold() == profile.name.casefold() or other.endpoint_key() == profile.endpoint_key():
            return other
    return None


def import_candidates(
    chosen: list[ImportCandidate],
    confirm_risky: set[str] | frozenset[str],
    existing: list[HostProfile] | tuple[HostProfile, ...] = (),
    *,
    group: str = "",
) -> ImportOutcome:
    """Profiles for the chosen candidates; risky ones only when their alias is in `confirm_risky`.

    Duplicates (of `existing` or of each other) and candidates whose profile is
    invalid are skipped with a reason; nothing is written here, the caller adds
    the profiles to the store and saves.
    """
    imported: list[HostProfile] = []
    skipped: dict[str, str] = {}
    for candidate in chosen:
        if candidate.problems:
            field_name, message = next(iter(candidate.problems.items()))
            skipped[candidate.alias] = f"cannot be imported as is ({field_name}: {message}); fix it in the editor"
            continue
        if candidate.risky and candidate.alias not in confirm_risky:
            skipped[candidate.alias] = "has risky settings; confirm them to import: " + "; ".join(
                candidate.confirmations + candidate.risks
            )
            continue
        duplicate = find_duplicate(candidate.profile, list(existing) + imported)
        if duplicate is not None:
            skipped[candidate.alias] = f"duplicate of the profile {duplicate.name!r} ({duplicate.endpoint})"
            continue
        profile = candidate.profile.duplicate(candidate.profile.name)
        profile.group = group
        lines = [f"Imported from {candidate.source} on {date.today().isoformat()}."]
        lines += [f"Confirmed at import: {item}" for item in candidate.confirmations]
        lines += [f"Not carried over: {risk}" for risk in candidate.risks]
        lines += [f"Note: {note}" for note in candidate.notes]
        # Paths and commands from the file may hold control characters; notes must not.
        profile.notes = _CONTROL.sub("?", "\n".join(lines))[:MAX_NOTES]
        imported.append(profile)
    return ImportOutcome(imported, skipped)
