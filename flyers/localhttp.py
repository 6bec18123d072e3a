"""A small HTTP server for 127.0.0.1 that holds against hostile clients.

In: a port and a request handler class (a subclass of
:class:`GuardedHandler` with the routes).  Out: :class:`LocalServer`, whose
threads are bounded in number and in time.  Used by the preview
(``serve.py``); it knows nothing of flyers.

- Only requests that name this server in their ``Host`` header
  (``127.0.0.1:PORT`` or ``localhost:PORT``) are answered: a page on
  another site whose name was pointed at 127.0.0.1 (DNS rebinding) gets
  421 and a one-line plain body, nothing else.
- A request's line and headers must arrive within ``header_seconds`` of
  the connection, all of them (a time limit per ``recv()`` alone lets a
  client trickle one byte at a time), and every write has a time limit:
  idle, slow and stalled clients are closed.
- At most ``max_connections`` connections are served at once, each on a
  daemon thread.  When all are taken, a new connection pushes out the one
  that has waited longest for its request line or headers (or the oldest
  event stream, which a browser reopens by itself); when none can be
  pushed out, it gets 503.
- A client that goes away (reset, broken pipe, time-out) ends its thread
  quietly; anything else prints one line, never a traceback.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

HOST = '127.0.0.1'
MAX_CONNECTIONS = 32
HEADER_SECONDS = 5.0
WRITE_SECONDS = 30.0
WAIT_FOR_ROOM = 1.0  # how long a new connection waits for a pushed-out one


@dataclass
class _Connection:
    """One open connection: may it be pushed out, and since when."""

    waiting_since: float | None  # None while a response is being written
    pushed_out: threading.Event = field(default_factory=threading.Event)


class LocalServer(ThreadingHTTPServer):
    """Listens on 127.0.0.1:``port`` (0: any free port; see ``.port``)."""

    daemon_threads = True
    block_on_close = False  # close() ends the connections instead
    request_queue_size = 64

    def __init__(self, port: int, handler: type[GuardedHandler], *,
                 max_connections: int = MAX_CONNECTIONS,
                 header_seconds: float = HEADER_SECONDS,
                 write_seconds: float = WRITE_SECONDS):
        self.max_connections = max_connections
        self.header_seconds = header_seconds
        self.write_seconds = write_seconds
        self._room = threading.BoundedSemaphore(max_connections)
        self._open: dict[socket.socket, _Connection] = {}
        self._lock = threading.Lock()
        super().__init__((HOST, port), handler)
        self.port = self.server_address[1]
        self.hosts = {f'127.0.0.1:{self.port}', f'localhost:{self.port}'}
        if self.port == 80:  # browsers leave the default port out
            self.hosts |= {'127.0.0.1', 'localhost'}

    # -- connections -------------------------------------------------------

    def process_request(self, request, client_address):
        if not self._room.acquire(blocking=False):
            if not (self._push_out_one()
                    and self._room.acquire(timeout=WAIT_FOR_ROOM)):
                _refuse(request)
                self.shutdown_request(request)
                return
        with self._lock:
            self._open[request] = _Connection(time.monotonic())
        thread = threading.Thread(target=self.process_request_thread,
                                  args=(request, client_address),
                                  daemon=True)
        try:
            thread.start()
        except RuntimeError:  # the system has no thread to give
            with self._lock:
                self._open.pop(request, None)
            _refuse(request)
            self.shutdown_request(request)
            self._room.release()

    def process_request_thread(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - reported by handle_error
            self.handle_error(request, client_address)
        finally:
            with self._lock:
                self._open.pop(request, None)
            self.shutdown_request(request)
            self._room.release()  # the thread's last step

    def may_push_out(self, request) -> None:
        """From now on ``request`` gives way to a new connection."""
        with self._lock:
            connection = self._open.get(request)
            if connection and connection.waiting_since is None:
                connection.waiting_since = time.monotonic()

    def keep(self, request) -> None:
        """``request`` is being answered: it is not pushed out."""
        with self._lock:
            connection = self._open.get(request)
            if connection and not connection.pushed_out.is_set():
                connection.waiting_since = None

    def pushed_out(self, request) -> bool:
        connection = self._open.get(request)
        return connection is None or connection.pushed_out.is_set()

    def _push_out_one(self) -> bool:
        with self._lock:
            waiting = [(c.waiting_since, sock)
                       for sock, c in self._open.items()
                       if c.waiting_since is not None
                       and not c.pushed_out.is_set()]
            if not waiting:
                return False
            _, sock = min(waiting, key=lambda pair: pair[0])
            self._end(sock)
        return True

    def _end(self, sock) -> None:
        self._open[sock].pushed_out.set()
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes its thread's recv()
        except OSError:
            pass

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def close(self) -> None:
        """Stop listening and end every open connection."""
        self.server_close()
        with self._lock:
            for sock in list(self._open):
                self._end(sock)

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return  # the client went away or was too slow: that is normal
        print(f'warning: unexpected {type(error).__name__} while answering '
              f'a request: {error}; the server goes on', file=sys.stderr)


def _refuse(request) -> None:
    """A short 503 without waiting for the client."""
    body = b'busy: too many connections; try again\n'
    try:
        request.setblocking(False)
        request.send(b'HTTP/1.0 503 Service Unavailable\r\n'
                     b'Content-Type: text/plain; charset=utf-8\r\n'
                     b'Connection: close\r\nContent-Length: '
                     + str(len(body)).encode() + b'\r\n\r\n' + body)
    except OSError:
        pass


class _Deadline(io.RawIOBase):
    """Reads the socket under one time limit for a whole request head."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.until = time.monotonic()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self.until - time.monotonic()
        if left <= 0:
            raise TimeoutError('the request did not arrive in time')
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class _Writer(io.BufferedIOBase):
    """Writes all of every piece (``sendall``) under the socket's time
    limit."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sock.sendall(data)
        with memoryview(data) as view:
            return view.nbytes


class GuardedHandler(BaseHTTPRequestHandler):
    """Checks the Host header and the request target before any route;
    keeps quiet (one line per request would drown the program's own
    messages)."""

    server: LocalServer

    def setup(self):
        self.connection = self.request
        self._reader = _Deadline(self.connection)
        self.rfile = io.BufferedReader(self._reader)
        self.wfile = _Writer(self.connection)

    def handle_one_request(self):
        self._reader.until = time.monotonic() + self.server.header_seconds
        self.server.may_push_out(self.request)
        super().handle_one_request()

    def parse_request(self) -> bool:
        if not super().parse_request() or self.pushed_out():
            self.close_connection = True
            return False
        self.server.keep(self.request)
        self.connection.settimeout(self.server.write_seconds)
        if not self.path.startswith('/'):
            self.send_plain(HTTPStatus.BAD_REQUEST,
                            'bad request: the target must be a path')
            return False
        hosts = self.headers.get_all('Host') or []
        if (len(hosts) != 1
                or hosts[0].strip().lower() not in self.server.hosts):
            self.send_plain(HTTPStatus.MISDIRECTED_REQUEST, (
                'misdirected request: this server answers only '
                f'http://127.0.0.1:{self.server.port}/'))
            return False
        return True

    def send_plain(self, status: HTTPStatus, text: str) -> None:
        """A short plain-text answer, then the connection is closed."""
        body = (text + '\n').encode()
        self.close_connection = True
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', 'no-store')
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(body)

    def pushed_out(self) -> bool:
        """True once a newer connection needed this one's place."""
        return self.server.pushed_out(self.request)

    def log_message(self, format, *args):  # noqa: A002 - stdlib name
        pass


def content_disposition(filename: str) -> str:
    """``attachment`` with ``filename`` as RFC 6266 asks: percent-encoded
    UTF-8 in ``filename*``, and for old clients an ASCII ``filename`` with
    every other character replaced by ``_``.  Never a raw control
    character, quote or non-ASCII byte in the header."""
    fallback = ''.join(c if c.isascii() and (c.isalnum() or c in '.-_ ')
                       else '_' for c in filename)
    return (f'attachment; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(filename, safe='', errors='replace')}")
