"""A tiny ProxyCommand for tests: `python tcp_relay.py LOG HOST PORT` pipes stdin/stdout to HOST:PORT.

It appends "HOST PORT" to LOG first, so a test can prove the connection went
through it (netcat is not always installed; Python always is).
"""

from __future__ import annotations

import os
import socket
import sys
import threading


def main() -> None:
    log, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(log, "a") as handle:
        handle.write(f"{host} {port}\n")
    sock = socket.create_connection((host, port))

    def upstream() -> None:
        while data := os.read(0, 65536):
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=upstream, daemon=True).start()
    while data := sock.recv(65536):
        os.write(1, data)


if __name__ == "__main__":
    main()
