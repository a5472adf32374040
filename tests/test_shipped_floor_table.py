"""benchmarks/shipped.py's CPU-floor table: the proof printed for a target out of reach (nothing timed here)."""

from __future__ import annotations

from benchmarks.cpu import Sample
from benchmarks.shipped import Case, floor_table


def test_a_target_beyond_what_the_cpu_allows_is_called_out_of_reach(capsys, monkeypatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    slow = Case("1 GiB get, loopback", 1.2, openssh=[4.0], sshdeck=[5.0],
                samples=[Sample(wall=5.0, client=5.0, server=2.0, relay=0.0)])  # floor 3.5 s: best 1.14
    fine = Case("200 x 4 KiB put -r, 20 ms RTT", 10.0, openssh=[14.0], sshdeck=[2.0],
                samples=[Sample(wall=2.0, client=0.5, server=0.1, relay=0.2)])  # floor 0.4 s: best 35
    floor_table([slow, fine])
    rows = {line.split("|")[1].strip(): line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")}
    assert "| 3.50 s |" in rows["1 GiB get, loopback"] and "| 1.14 |" in rows["1 GiB get, loopback"]
    assert rows["1 GiB get, loopback"].endswith("| out of reach at this CPU |")
    assert "| 0.80 s |" in rows["200 x 4 KiB put -r, 20 ms RTT"]  # client + sshd + relay
    assert rows["200 x 4 KiB put -r, 20 ms RTT"].endswith("| reachable |")
