"""A TCP relay on 127.0.0.1 that slows traffic down, so a real transfer can be interrupted mid-file.

Threads, not asyncio: the tests that use it block on subprocesses and tmux.
Each direction is paced to `rate` bytes per second (counted, not timed against
an assertion: it only keeps a big file in flight long enough to be killed).
"""

from __future__ import annotations

import socket
import threading
import time


class ThrottledProxy:
    def __init__(self, target_port: int, rate: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.rate = rate
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._closed = False
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.connections += 1
            self._sockets += [client, upstream]
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._relay, args=(upstream, client), daemon=True).start()

    def _relay(self, src: socket.socket, dst: socket.socket) -> None:
        chunk = max(1024, self.rate // 20)
        try:
            while data := src.recv(chunk):
                dst.sendall(data)
                time.sleep(len(data) / self.rate)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
