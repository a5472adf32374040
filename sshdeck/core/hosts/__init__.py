"""Saved hosts: profiles and hosts.toml, quick-connect targets, ssh_config import, keyring, bookmarks."""
