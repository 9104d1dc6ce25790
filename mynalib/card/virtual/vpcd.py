"""Attach a software card to a real pcscd through vsmartcard's vpcd driver (docs/CARD.md §7).

vpcd (loaded by pcscd) listens on 127.0.0.1:35963 (slot 0; 35964 for slot 1). The card side
connects to it; every message both ways is a 2-byte big-endian length plus the payload. A 1-byte
payload from vpcd is a control code: 00 power off, 01 power on, 02 reset, 04 "send the ATR" (the
only one answered). Anything longer is a command APDU, answered with data + SW. Closing the
socket removes the card from the reader.

TCP_QUICKACK is set before every receive: without it each APDU costs ~44 ms (delayed ACKs).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from typing import Protocol

from ...errors import CardError, PcscUnavailable
from ...log import get_logger, traffic

log = get_logger("mynalib.card.vpcd")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963

CTRL_OFF = 0x00
CTRL_ON = 0x01
CTRL_RESET = 0x02
CTRL_ATR = 0x04


class SoftCard(Protocol):
    atr: bytes

    def process(self, raw: bytes) -> bytes: ...

    def power_on(self) -> None: ...

    def power_off(self) -> None: ...

    def reset(self) -> None: ...


def _quickack(sock: socket.socket) -> None:
    opt = getattr(socket, "TCP_QUICKACK", None)
    if opt is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, opt, 1)
        except OSError:  # pragma: no cover - not on this platform
            pass


def _recv_exact(sock: socket.socket, n: int, quickack: bool = True) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        if quickack:
            _quickack(sock)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


class VpcdBridge:
    """Connects a :class:`~mynalib.card.virtual.VirtualCard` to vpcd and serves it in a thread.

    ``start()`` connects (retrying until ``connect_timeout``) and returns; ``stop()`` closes the
    socket (pcscd then sees the card removed) and joins the thread. ``serve_forever()`` runs in
    the calling thread instead. The bridge ends cleanly when vpcd goes away (pcscd stopped).
    """

    def __init__(
        self,
        card: SoftCard,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        connect_timeout: float = 5.0,
        quickack: bool = True,
    ):
        self.card = card
        #: set TCP_QUICKACK before every receive (False only to measure its effect)
        self.quickack = quickack
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.apdus = 0
        self.controls: Counter[int] = Counter()  # control codes seen (00/01/02/04)
        self.ended: str | None = None  # why the bridge ended ("stopped", "vpcd closed", ...)

    # ---------------------------------------------------------------------------- lifecycle
    def connect(self) -> None:
        deadline = time.monotonic() + self.connect_timeout
        last: OSError | None = None
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError as exc:
                last = exc
                if time.monotonic() >= deadline:
                    raise PcscUnavailable(
                        f"Cannot reach vpcd at {self.host}:{self.port} ({type(last).__name__}: "
                        f"{last.strerror or last})",
                        hint="install vsmartcard-vpcd and start pcscd (`pcscd -f &`); vpcd is "
                        "the pcscd driver that listens on this port",
                    ) from None
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.quickack:
            _quickack(sock)
        self._sock = sock
        self.ended = None
        log.info("software card attached to vpcd at %s:%d", self.host, self.port)

    def start(self) -> VpcdBridge:
        self.connect()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="vpcd-bridge", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Connect (if needed) and serve in this thread until vpcd closes or stop() is called."""
        if self._sock is None:
            self.connect()
        self._run()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        self._sock = None

    def __enter__(self) -> VpcdBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---------------------------------------------------------------------------- protocol
    def _send(self, sock: socket.socket, payload: bytes) -> None:
        sock.sendall(len(payload).to_bytes(2, "big") + payload)

    def _run(self) -> None:
        sock = self._sock
        if sock is None:
            raise CardError("The vpcd bridge is not connected")
        try:
            while not self._stopping.is_set():
                header = _recv_exact(sock, 2, self.quickack)
                if header is None:
                    self.ended = "vpcd closed the connection"
                    break
                size = int.from_bytes(header, "big")
                payload = _recv_exact(sock, size, self.quickack) if size else b""
                if payload is None:
                    self.ended = "vpcd closed the connection"
                    break
                if size == 1:
                    self._control(sock, payload[0])
                    continue
                if size == 0:
                    continue
                traffic(log, ">>", payload)
                response = self.card.process(payload)
                traffic(log, "<<", response)
                self.apdus += 1
                self._send(sock, response)
        except OSError as exc:
            self.ended = "stopped" if self._stopping.is_set() else f"connection lost ({exc})"
        else:
            if self.ended is None:
                self.ended = "stopped"
        finally:
            if not self._stopping.is_set():
                log.info("vpcd bridge ended: %s", self.ended)
                self.card.power_off()

    def _control(self, sock: socket.socket, code: int) -> None:
        self.controls[code] += 1
        if code == CTRL_OFF:
            self.card.power_off()
        elif code == CTRL_ON:
            self.card.power_on()
        elif code == CTRL_RESET:
            self.card.reset()
        elif code == CTRL_ATR:
            self._send(sock, self.card.atr)
        else:
            log.warning("unknown vpcd control code %02X ignored", code)
