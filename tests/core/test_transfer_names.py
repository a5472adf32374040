"""Which names may become files: POSIX always, Windows' rules when the destination needs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshdeck.core.transfer import LocalEndpoint, NameRules, Transfer, UnsafeNameError, check_name, name_problem
from sshdeck.core.transfer.names import case_collisions, part_name

WINDOWS = NameRules(windows=True, case_insensitive=True)


@pytest.mark.parametrize("name", [b"", b".", b"..", b"a/b", b"/abs", b"..\x00", b"nul\x00byte"])
def test_names_never_allowed(name: bytes) -> None:
    assert name_problem(name) is not None
    with pytest.raises(UnsafeNameError):
        check_name(name)


@pytest.mark.parametrize("name", [b"back\\slash", b"quote'\"", b"*?[glob]", b"new\nline", b"\xff\xfe", b"...", b" lead", b"CON"])
def test_awkward_posix_names_are_legal(name: bytes) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [b"CON", b"con.txt", b"Nul.tar.gz", b"COM1", b"lpt9.log", b"a<b", b"a:b", b'a"b', b"a|b", b"a?b", b"a*b", b"a\\b", b"dot.", b"space "],
)
def test_windows_rules_refuse_reserved_and_special_names(name: bytes) -> None:
    assert name_problem(name, WINDOWS) is not None


@pytest.mark.parametrize("name", [b"CONSOLE", b"COM10", b"report.txt", b"nul_not"])
def test_windows_rules_allow_ordinary_names(name: bytes) -> None:
    assert name_problem(name, WINDOWS) is None


def test_case_collisions_are_found() -> None:
    assert case_collisions([b"README", b"readme", b"Other"]) == {b"README", b"readme"}


def test_part_names_stay_within_the_name_limit() -> None:
    assert part_name(b"x.iso") == b".x.iso.sshdeck-part"
    assert len(part_name(b"n" * 250)) <= 255


async def test_case_insensitive_destination_refuses_colliding_names(tmp_path: Path) -> None:
    (tmp_path / "src" / "tree").mkdir(parents=True)
    (tmp_path / "src" / "tree" / "README").write_bytes(b"upper")
    (tmp_path / "src" / "tree" / "readme").write_bytes(b"lower")
    (tmp_path / "src" / "tree" / "other").write_bytes(b"fine")
    (tmp_path / "dst").mkdir()
    dest = LocalEndpoint(tmp_path / "dst", case_insensitive=True)
    report = await Transfer(LocalEndpoint(tmp_path / "src"), dest, [((b"tree",), (b"tree",))]).run()
    assert sorted(p.name for p in (tmp_path / "dst" / "tree").iterdir()) == ["other"]
    assert len([i for i in report.failed if "case-insensitive" in i.error]) == 2


async def test_windows_destination_refuses_reserved_names(tmp_path: Path) -> None:
    (tmp_path / "src" / "tree").mkdir(parents=True)
    for name in ("aux.txt", "what?", "fine.txt"):
        (tmp_path / "src" / "tree" / name).write_bytes(b"x")
    (tmp_path / "dst").mkdir()
    dest = LocalEndpoint(tmp_path / "dst", windows=True, case_insensitive=True)
    report = await Transfer(LocalEndpoint(tmp_path / "src"), dest, [((b"tree",), (b"tree",))]).run()
    assert sorted(p.name for p in (tmp_path / "dst" / "tree").iterdir()) == ["fine.txt"]
    assert len([i for i in report.failed if "cannot be stored at the destination" in i.error]) == 2


def test_local_destination_detects_case_sensitivity_by_probing(tmp_path: Path) -> None:
    # Linux test machines are case-sensitive; the probe must say so and leave nothing behind.
    assert LocalEndpoint(tmp_path).rules.case_insensitive is False
    assert list(tmp_path.iterdir()) == []
