"""README's hosts.toml example is a contract: it loads as written, new fields included."""

from __future__ import annotations

import re
from pathlib import Path

from sshdeck.core.hosts.profile_store import ProfileStore

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_hosts_toml_example_loads_without_problems(tmp_path: Path) -> None:
    text = README.read_text()
    section = text[text.index("### Host profiles: `hosts.toml`"):]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "hosts.toml"
    path.write_text(example)
    path.chmod(0o600)
    store = ProfileStore.load(path, tmp_path / "recent.toml")
    assert store.problems == []
    (profile,) = store.profiles
    assert profile.agent_forwarding is False
    assert profile.local_folder == "~/isos"
    # The commented line is the alternative to jump_host, as the comment says.
    alternative = re.sub(r"(?m)^jump_host = .*$", "", example)
    path.write_text(alternative.replace('# proxy_command = "ssh -W %h:%p bastion"', 'proxy_command = "ssh -W %h:%p bastion"'))
    (profile,) = ProfileStore.load(path, tmp_path / "recent.toml").profiles
    assert profile.proxy_command == "ssh -W %h:%p bastion"
