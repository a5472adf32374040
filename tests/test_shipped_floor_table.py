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


def test_the_sound_floor_adds_the_serial_one_byte_copy_to_the_rest_of_the_cpu(capsys, monkeypatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    # CPU alone allows 16 ÷ 1.4 = 11.4, above the target; but 1.7 s of the run are round trips one after the other.
    far = Case("256 MiB get, 100 ms RTT", 8.0, openssh=[16.0], sshdeck=[4.4],
               samples=[Sample(wall=4.4, client=1.7, server=0.6, relay=0.5)],
               serial=[Sample(wall=1.7, client=0.25, server=0.03, relay=0.02)])
    floor_table([far])
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 256")]
    assert "| 1.40 s | 11.43 |" in row  # the CPU floor: 2.8 s ÷ 2
    assert "| 1.70 s | 0.30 s | 2.95 s | 5.42 |" in row  # 1.7 + (2.8 − 0.3) ÷ 2 = 2.95 s: best 16 ÷ 2.95
    assert row.endswith("| out of reach at this CPU and these round trips |")
