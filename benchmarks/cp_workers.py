"""`sshdeck cp` with its worker processes forced on or off, for benchmarks/cpu.py --workers (never for users).

sshdeck starts a worker process for a big file only when its own CPU use per
second shows its one thread is the limit (core/transfer/procranges.py); on a
machine shared with other work that is often not the case, so the benchmark
runs both ways on purpose: `python benchmarks/cp_workers.py force|never cp ARGS…`.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    mode = sys.argv.pop(1)
    import sshdeck.core.transfer.procranges as procranges

    share = {"force": 99.0, "never": 0.0}[mode]
    procranges.cpu_share = lambda *_args: share  # the adaptive check says "busy" always, or never
    procranges.idle_seconds = lambda: None  # and does not ask whether the machine has a core to spare
    from sshdeck.cli import main

    sys.exit(main(sys.argv[1:]))
