"""Quick connect: the addresses users type in the bar or pass as `sshdeck ADDRESS`."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sshdeck.core.hosts.targets import (
    PORT_MESSAGE,
    Target,
    TargetError,
    format_target,
    host_problem,
    parse_target,
    path_problem,
    user_problem,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.com", Target("example.com")),
        ("me@example.com", Target("example.com", user="me")),
        ("me@example.com:2222", Target("example.com", user="me", port=2222)),
        ("me@example.com:/upload-vpn", Target("example.com", user="me", path="/upload-vpn")),
        ("me@example.com:dir/sub", Target("example.com", user="me", path="dir/sub")),
        ("example.com:", Target("example.com")),
        ("example.com:./22", Target("example.com", path="./22")),
        ("me@corp@example.com", Target("example.com", user="me@corp")),
        ("me@example.com:/a@b", Target("example.com", user="me", path="/a@b")),
        ("[::1]:2222", Target("::1", port=2222)),
        ("me@[2001:db8::1]:/srv", Target("2001:db8::1", user="me", path="/srv")),
        ("fe80::1", Target("fe80::1")),
        ("  me@example.com  ", Target("example.com", user="me")),
        ("sftp://me@example.com:2222/upload", Target("example.com", user="me", port=2222, path="upload")),
        ("sftp://me@example.com//srv/data", Target("example.com", user="me", path="/srv/data")),
        ("SFTP://example.com", Target("example.com")),
        ("sftp://example.com/", Target("example.com")),
        ("sftp://j%C3%BCrgen@example.com/My%20Files", Target("example.com", user="jürgen", path="My Files")),
        ("sftp://me@[::1]:2222/x", Target("::1", user="me", port=2222, path="x")),
        ("ssh://ssh@gateway.example.net:2200", Target("gateway.example.net", user="ssh", port=2200)),
    ],
)
def test_accepted_forms(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "host name is empty"),
        ("me@", "host name is empty"),
        ("@example.com", "user name is empty"),
        ("me@example.com:0", PORT_MESSAGE),
        ("me@example.com:65536", PORT_MESSAGE),
        ("me@example.com:99999999999999999999", PORT_MESSAGE),
        ("sftp://me@example.com:abc/x", PORT_MESSAGE),
        ("sftp://me@example.com:/x", PORT_MESSAGE),
        ("sftp://me:secret@example.com/", "passwords in the address are not accepted"),
        ("me:secret@example.com", "passwords in the address are not accepted"),
        ("sftp://me;fingerprint=ssh-rsa-xx@example.com", "connection parameters"),
        ("ssh://example.com/path", "ssh:// addresses take no path"),
        ("http://example.com", "'http://' addresses are not supported"),
        ("example.com:2222:/srv", "to give both a port and a path"),
        ("[::1", "missing ']'"),
        ("[example.com]:22", "is not an IPv6 address"),
        ("-oProxyCommand=x", "host name must not start with '-'"),
        ("exa mple.com", "host name must not contain spaces"),
        ("host\x1b[31m", "control character"),
        ("sftp://example.com/%zz", "'%' that is not followed by two hex digits"),
        ("sftp://example.com/%ff", "not valid UTF-8"),
        ("me@example.com:/a\x00b", "path contains a control character"),
    ],
)
def test_refusals_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(text)
    assert message in str(caught.value)


def test_target_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_target("host:70000")


# -- properties --------------------------------------------------------------

_host_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_hostnames = st.lists(_host_label, min_size=1, max_size=4).map(".".join)
_ipv6 = st.ip_addresses(v=6).map(str)
_ipv4 = st.ip_addresses(v=4).map(str)
_users = st.text(
    st.characters(blacklist_categories=("Cs",)),
    min_size=1,
    max_size=20,
).filter(lambda u: user_problem(u) is None)
_paths = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
    lambda p: path_problem(p) is None
)


@st.composite
def _targets(draw: st.DrawFn) -> Target:
    host = draw(st.one_of(_hostnames, _ipv4, _ipv6))
    user = draw(st.none() | _users)
    port = draw(st.none() | st.integers(1, 65535))
    path = draw(st.none() | _paths)
    return Target(host=host, user=user, port=port, path=path)


@settings(max_examples=400)
@given(_targets())
@example(Target("example.com", user="me", port=22, path="/srv"))
@example(Target("example.com", path="22"))
@example(Target("example.com", path=" x"))
@example(Target("example.com", path="a@b"))
@example(Target("::1", user="a/b", path="%41"))
def test_format_then_parse_gives_the_same_target(target: Target) -> None:
    assert host_problem(target.host) is None
    assert parse_target(format_target(target)) == target


@settings(max_examples=500)
@given(st.text(max_size=80))
@example("sftp://")
@example("sftp://@")
@example("[")
@example("a@[::1]x")
@example("sftp://[::1")
@example("::")
def test_garbage_raises_only_target_error(text: str) -> None:
    try:
        target = parse_target(text)
    except TargetError as exc:
        assert str(exc)
        return
    # Whatever was accepted is usable as it is.
    assert host_problem(target.host) is None
    assert target.port is None or 1 <= target.port <= 65535
    assert target.user is None or user_problem(target.user) is None


@given(st.from_regex(r"sftp://[a-z]{1,5}@[a-z]{1,8}(:[0-9]{1,7})?(/[ -~]{0,20})?", fullmatch=True))
def test_url_like_input_raises_only_target_error(text: str) -> None:
    try:
        parse_target(text)
    except TargetError:
        pass


# -- how a connection is named on screen (pane headers, dialogs, the transfer panel) --------------


@pytest.mark.parametrize(
    "text, label",
    [
        ("testbox", "testbox"),
        ("testbox:/tmp/x", "testbox"),
        ("alice@web.example", "alice@web.example"),
        ("alice@web.example:/srv/www", "alice@web.example"),
        ("alice@web.example:2222", "alice@web.example:2222"),
        ("sftp://alice@web.example:2222/srv", "alice@web.example:2222"),
        ("sftp://alice@web.example:22/srv", "alice@web.example"),
        ("sftp://web.example/srv", "web.example"),
        ("alice@[2001:db8::1]:2200", "alice@[2001:db8::1]:2200"),
    ],
)
def test_a_connection_label_never_holds_the_path(text, label):
    from sshdeck.core.hosts.targets import connection_label

    assert connection_label(parse_target(text)) == label


def test_a_place_names_the_host_and_the_folder_once(hermetic_home):
    from sshdeck.core.fs.local import LocalFS
    from sshdeck.core.hosts.targets import connection_label
    from sshdeck.core.places import place

    class Remote:
        label = connection_label(parse_target("testbox:/tmp/x"))

    assert place(Remote(), "/tmp/x") == "testbox:/tmp/x"
    assert place(LocalFS(), str(hermetic_home / "work")) == "~/work"
    assert place(Remote(), "/tmp/\x1b]0;title\x07") == "testbox:/tmp/\\x1b]0;title\\x07"
