"""The preview server, driven over HTTP on 127.0.0.1 (the browser test is
tests/test_browser.py): it shows the real pages, rebuilds what a saved file
affects, shows errors and recovers; it rebuilds on the main thread; and it
holds against hostile clients: foreign Host headers (DNS rebinding), idle,
slow and too many connections, aborted downloads, file names that would
inject a header, and bad --port values."""

from __future__ import annotations

import _thread
import contextlib
import json
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import quote, unquote

import pytest
from conftest import ROOT, copy_project, run

from flyers.errors import FlyerError, Problem
from flyers.localhttp import GuardedHandler, LocalServer, content_disposition
from flyers.serve import Previewer, serve, start

LEAFLET = 'trygghet-vasteras-leaflet-a5.pdf'
# A valid content file whose name needs quoting in links and headers.
ODD = 'möte #1 (100%) "x"'
LIMITS = {'max_connections': 8, 'header_seconds': 1.0}


@contextlib.contextmanager
def running(project, **limits):
    """The preview of ``project`` answering requests; rebuilds on a helper
    thread (see ``drive`` for the main-thread way of make_flyers.py)."""
    preview = start(project, 0, **limits)
    preview.serve_in_background()
    stop = threading.Event()
    rebuilder = threading.Thread(target=preview.rebuild_until, args=(stop,),
                                 daemon=True)
    rebuilder.start()
    try:
        yield preview
    finally:
        stop.set()
        rebuilder.join(30)
        preview.close()


@pytest.fixture
def server(project):
    with running(project) as preview:
        yield f'http://127.0.0.1:{preview.port}', project


@pytest.fixture(scope='module')
def hardened(tmp_path_factory):
    """One preview with small limits for the read-only attack tests; two
    content files, one of them with an odd name."""
    project = copy_project(tmp_path_factory.mktemp('serve') / 'project')
    shutil.copy(project / 'content' / 'trygghet-vasteras.yaml',
                project / 'content' / f'{ODD}.yaml')
    with running(project, **LIMITS) as preview:
        assert preview.previewer.state.problems == []
        yield preview


def drive(project, body, time_limit=None):
    """Run the preview as ``make_flyers.py serve`` does, rebuilding on this
    (the main) thread, while ``body(base_url, project)`` runs on a helper
    thread; press Ctrl-C when it returns.  Returns what body returned."""
    outcome = {}

    def ready(port, previewer):
        def run_body():
            try:
                outcome['value'] = body(f'http://127.0.0.1:{port}', project)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                outcome['error'] = exc
            finally:
                _thread.interrupt_main()
        threading.Thread(target=run_body, daemon=True).start()

    with pytest.raises(KeyboardInterrupt):
        serve(project, 0, ready=ready, time_limit=time_limit)
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('value')


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def _state(base: str) -> dict:
    return json.loads(_get(f'{base}/state.json'))


def _wait_for_change(base: str, version: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(base)
        if state['version'] != version:
            return state
        time.sleep(0.05)
    raise AssertionError('the preview did not rebuild')


def _raw(port: int, request: bytes, limit: int = 1 << 16) -> bytes:
    """Send exact bytes; read the answer until the server closes (or
    ``limit`` bytes, for streams)."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(request)
        answer = b''
        while len(answer) < limit:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
        return answer


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return True


# -- what it shows ----------------------------------------------------------

def test_serves_the_real_pages_and_pdfs(server):
    base, _ = server
    state = _state(base)
    assert len(state['outputs']) == 4 and state['problems'] == []
    page = _get(f'{base}/').decode()
    assert '<h1>Flyer preview</h1>' in page
    assert LEAFLET in page
    png = _get(f'{base}/page/{LEAFLET}/2/guides.png')
    assert png.startswith(b'\x89PNG')
    pdf = _get(f'{base}/pdf/{LEAFLET}')
    assert pdf.startswith(b'%PDF-')


def test_saving_css_updates_the_picture(server):
    base, project = server
    url = f'{base}/page/{LEAFLET}/1/plain.png'
    before = _get(url)
    css = project / 'layouts' / 'leaflet-a5' / 'style.css'
    css.write_text(css.read_text('utf-8') +
                   '\n.proposals { background: var(--brand-accent); }\n')
    deadline = time.monotonic() + 30
    while _get(url) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _get(url) != before


def test_a_broken_template_shows_the_error_and_recovers(server):
    base, project = server
    template = project / 'layouts' / 'poster-a3' / 'template.html.j2'
    good = template.read_text('utf-8')
    version = _state(base)['version']
    template.write_text(good.replace('{% endblock %}', '{% endblok %}'),
                        'utf-8')
    state = _wait_for_change(base, version)
    assert state['problems'], state
    assert 'layouts/poster-a3/template.html.j2' in state['problems'][0]
    page = _get(f'{base}/').decode()
    assert 'role="alert"' in page and 'The last build failed' in page
    # Still serving the last good pages meanwhile.
    assert _get(f'{base}/pdf/trygghet-vasteras-poster-a3.pdf').startswith(
        b'%PDF-')
    template.write_text(good, 'utf-8')
    deadline = time.monotonic() + 30
    while _state(base)['problems'] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _state(base)['problems'] == []
    assert 'role="alert"' not in _get(f'{base}/').decode()


def test_only_listens_on_loopback(server):
    base, _ = server
    assert base.startswith('http://127.0.0.1:')


def test_an_odd_file_name_links_and_downloads_under_its_own_name(hardened):
    base = f'http://127.0.0.1:{hardened.port}'
    name = f'{ODD}-leaflet-a5.pdf'
    page = _get(f'{base}/').decode()
    link = f'/pdf/{quote(name, safe="")}'
    assert f'href="{link}"' in page
    with urllib.request.urlopen(base + link, timeout=10) as response:
        assert response.read().startswith(b'%PDF-')
        header = response.headers['Content-Disposition']
    assert _filename(header) == name


# -- rebuilds on the main thread; Ctrl-C ------------------------------------

def test_rebuilds_run_on_the_main_thread(project, monkeypatch):
    """A time limit by SIGALRM works only there (signal handlers run on
    the main thread)."""
    threads = []
    original = Previewer.rebuild

    def recording(self, changed=None):
        threads.append(threading.current_thread() is threading.main_thread())
        signal.signal(signal.SIGALRM, signal.getsignal(signal.SIGALRM))
        return original(self, changed)

    monkeypatch.setattr(Previewer, 'rebuild', recording)

    def save_a_stylesheet(base, project):
        version = _state(base)['version']
        css = project / 'layouts' / 'leaflet-a5' / 'style.css'
        css.write_text(css.read_text('utf-8') + '\n.x { color: red; }\n')
        return _wait_for_change(base, version)

    state = drive(project, save_a_stylesheet)
    assert state['problems'] == []
    assert len(threads) >= 2 and all(threads), threads


def test_a_time_limit_ends_a_looping_template_and_the_preview_recovers(
        project):
    """A template that loops (almost) for ever is stopped by the per-output
    time limit, the page says so (answering requests meanwhile), and a save
    that mends it is built."""
    def loop_then_mend(base, project):
        template = project / 'layouts' / 'poster-a3' / 'template.html.j2'
        good = template.read_text('utf-8')
        version = _state(base)['version']
        template.write_text(good.replace('{% block pages %}', (
            '{% block pages %}{% for i in range(10000) %}'
            '{% for j in range(10000) %}{% endfor %}{% endfor %}'), 1),
            'utf-8')
        time.sleep(1)
        started = time.monotonic()
        assert _state(base)['version'] == version  # still building ...
        assert time.monotonic() - started < 2  # ... and answering
        state = _wait_for_change(base, version, timeout=60)
        assert state['problems'] == [
            'layouts/poster-a3/template.html.j2: the template ran for more '
            'than 4 s and was stopped: a loop may never end (or loop over '
            'far too much); undo the last change to the template']
        template.write_text(good, 'utf-8')
        deadline = time.monotonic() + 60
        while state['problems'] and time.monotonic() < deadline:
            time.sleep(0.1)
            state = _state(base)
        return state

    assert drive(project, loop_then_mend, time_limit=4)['problems'] == []


def test_ctrl_c_stops_the_command_cleanly(project):
    process = subprocess.Popen(
        [sys.executable, str(ROOT / 'make_flyers.py'), '--project',
         str(project), 'serve', '--port', '0'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=120), 'the preview did not start'
        line = process.stdout.readline()
        assert line.startswith('preview on http://127.0.0.1:'), line
        base = line.split()[2].rstrip('/')
        assert '<h1>Flyer preview</h1>' in _get(f'{base}/').decode()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0
    assert err == 'preview stopped\n'


# -- DNS rebinding: only our own Host ---------------------------------------

PATHS = ['/', '/state.json', f'/pdf/{LEAFLET}', f'/page/{LEAFLET}/1/plain.png',
         '/events']
FOREIGN = [
    ['Host: evil.example:{port}'],
    ['Host: evil.example'],
    ['Host: 127.0.0.1'],
    ['Host: 127.0.0.1:1'],
    ['Host: localhost.:{port}'],
    ['Host: [::1]:{port}'],
    ['Host: 127.0.0.1:{port}.evil.example'],
    ['Host: 127.0.0.1:{port}', 'Host: evil.example'],
    [],
]


@pytest.mark.parametrize('path', PATHS)
@pytest.mark.parametrize('hosts', FOREIGN, ids=lambda h: '+'.join(h) or 'none')
def test_a_foreign_host_gets_421_and_nothing_of_the_preview(hardened, hosts,
                                                          path):
    port = hardened.port
    head = ''.join(h.format(port=port) + '\r\n' for h in hosts)
    answer = _raw(port, f'GET {path} HTTP/1.1\r\n{head}\r\n'.encode())
    status, _, body = answer.partition(b'\r\n')
    headers, _, body = body.partition(b'\r\n\r\n')
    assert status == b'HTTP/1.0 421 Misdirected Request'
    assert body == (b'misdirected request: this server answers only '
                    b'http://127.0.0.1:%d/\n' % port)
    assert b'Content-Type: text/plain; charset=utf-8' in headers
    assert b'Content-Disposition' not in headers


@pytest.mark.parametrize('host', ['127.0.0.1:{port}', 'localhost:{port}',
                                  'LocalHost:{port}'])
@pytest.mark.parametrize('path', PATHS[:-1])
def test_our_own_host_is_served(hardened, host, path):
    port = hardened.port
    answer = _raw(port, (f'GET {path} HTTP/1.1\r\nHost: '
                         f'{host.format(port=port)}\r\n\r\n').encode())
    assert answer.startswith(b'HTTP/1.0 200 OK\r\n')


def test_an_absolute_target_naming_another_site_is_refused(hardened):
    port = hardened.port
    answer = _raw(port, (f'GET http://evil.example/ HTTP/1.1\r\n'
                         f'Host: 127.0.0.1:{port}\r\n\r\n').encode())
    assert answer.startswith(b'HTTP/1.0 400 Bad Request\r\n')
    assert answer.endswith(b'\r\n\r\nbad request: the target must be a '
                           b'path\n')


# -- idle, slow and too many clients ----------------------------------------

@pytest.mark.parametrize('sent', [
    b'',
    b'GET / HT',
    b'GET / HTTP/1.1\r\n',
    b'GET / HTTP/1.1\r\nHost: 127.0.0.1',
])
def test_an_idle_or_unfinished_request_is_closed_in_time(hardened, sent):
    with socket.create_connection(('127.0.0.1', hardened.port)) as sock:
        sock.sendall(sent)
        started = time.monotonic()
        assert _closed_by_server(sock, within=5)
        assert time.monotonic() - started < LIMITS['header_seconds'] + 1


def test_a_request_that_trickles_in_is_closed_at_its_deadline(hardened):
    """One byte at a time, each well within any per-read time-out."""
    request = f'GET / HTTP/1.1\r\nHost: 127.0.0.1:{hardened.port}\r\n\r\n'
    with socket.create_connection(('127.0.0.1', hardened.port)) as sock:
        started = time.monotonic()
        closed = False
        for byte in request.encode():
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > 3:
                break
        assert closed or _closed_by_server(sock, within=1)
        assert time.monotonic() - started < LIMITS['header_seconds'] + 1.5


def test_many_held_connections_keep_threads_bounded(hardened):
    port = hardened.port
    before = threading.active_count()
    held, most = [], 0
    try:
        for _ in range(200):
            sock = socket.create_connection(('127.0.0.1', port), timeout=10)
            sock.sendall(f'GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n'
                         .encode())  # the headers never end
            held.append(sock)
            most = max(most, threading.active_count())
        # A normal request still gets its page.
        page = _get(f'http://127.0.0.1:{port}/').decode()
        assert '<h1>Flyer preview</h1>' in page
        # (+2: a thread that has just given its place back may not have
        # returned yet.)
        assert most <= before + LIMITS['max_connections'] + 2, (most, before)
        assert hardened.server.open_connections() <= LIMITS['max_connections']
        # And the server closes every one of them itself, in time.
        deadline = time.monotonic() + LIMITS['header_seconds'] + 2
        still_open = [index for index, sock in enumerate(held)
                      if not _closed_by_server(sock, max(
                          0.01, deadline - time.monotonic()))]
        assert still_open == []
    finally:
        for sock in held:
            sock.close()


class _Blocking(GuardedHandler):
    """Holds every request until ``release`` is set."""

    entered = threading.Semaphore(0)
    release = threading.Event()

    def do_GET(self):  # noqa: N802 - stdlib name
        self.entered.release()
        self.release.wait(10)
        self.send_plain(200, 'done')


def test_a_full_server_answers_503_at_once():
    server = LocalServer(0, _Blocking, max_connections=2)
    threading.Thread(target=server.serve_forever,
                     kwargs={'poll_interval': 0.05}, daemon=True).start()
    request = f'GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n'
    busy = []
    try:
        for _ in range(2):  # both being answered: none can be pushed out
            sock = socket.create_connection(('127.0.0.1', server.port), 10)
            sock.sendall(request.encode())
            busy.append(sock)
            assert _Blocking.entered.acquire(timeout=10)
        started = time.monotonic()
        answer = _raw(server.port, request.encode())
        assert answer.startswith(b'HTTP/1.0 503 Service Unavailable\r\n')
        assert time.monotonic() - started < 0.5
        _Blocking.release.set()
        for sock in busy:
            sock.settimeout(10)
            assert sock.recv(1024).startswith(b'HTTP/1.0 200 OK\r\n')
    finally:
        _Blocking.release.set()
        for sock in busy:
            sock.close()
        server.shutdown()
        server.close()


# -- clients that go away ---------------------------------------------------

def test_aborted_downloads_are_quiet(hardened, capfd):
    port = hardened.port
    size = len(_get(f'http://127.0.0.1:{port}/pdf/{LEAFLET}'))
    capfd.readouterr()
    for attempt in range(30):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(('127.0.0.1', port))
        sock.sendall(f'GET /pdf/{LEAFLET} HTTP/1.1\r\nHost: 127.0.0.1:'
                     f'{port}\r\n\r\n'.encode())
        wanted = (0, 200, size // 2)[attempt % 3]
        got = 0
        while got < wanted:
            got += len(sock.recv(4096))
        # A reset, as a browser whose download was cancelled sends.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack('ii', 1, 0))
        sock.close()
    deadline = time.monotonic() + 10
    while hardened.server.open_connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hardened.server.open_connections() == 0
    assert _get(f'http://127.0.0.1:{port}/pdf/{LEAFLET}').startswith(b'%PDF')
    out, err = capfd.readouterr()
    assert (out, err) == ('', '')


# -- file names never make headers ------------------------------------------

def test_a_file_name_with_a_line_break_is_refused_and_injects_nothing(
        project):
    bad = 'x\r\nSet-Cookie: a=b'
    shutil.copy(project / 'content' / 'trygghet-vasteras.yaml',
                project / 'content' / f'{bad}.yaml')
    with running(project) as preview:
        base = f'http://127.0.0.1:{preview.port}'
        state = _state(base)
        assert state['problems'] == [
            'content/x\\r\\nSet-Cookie: a=b.yaml: the file name contains '
            '\\r (a control character or bytes that are not UTF-8), which '
            'a file name here must not; rename it with letters, digits and '
            '"-"']
        assert state['outputs'] == []
        for path in ('/', f'/pdf/{quote(bad)}-leaflet-a5.pdf'):
            answer = _raw(preview.port, (f'GET {path} HTTP/1.1\r\nHost: '
                                         f'127.0.0.1:{preview.port}\r\n\r\n'
                                         ).encode())
            assert b'Set-Cookie' not in answer.partition(b'\r\n\r\n')[0]
        # Renamed, it builds.
        version = state['version']
        (project / 'content' / f'{bad}.yaml').rename(
            project / 'content' / 'x.yaml')
        state = _wait_for_change(base, version)
        deadline = time.monotonic() + 30
        while (state['problems'] or len(state['outputs']) < 8) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
            state = _state(base)
        assert state['problems'] == []
        assert 'output/x-leaflet-a5.pdf' in state['outputs']


@pytest.mark.parametrize('name, header', [
    ('trygghet-leaflet-a5.pdf',
     'attachment; filename="trygghet-leaflet-a5.pdf"; '
     "filename*=UTF-8''trygghet-leaflet-a5.pdf"),
    ('x\r\nSet-Cookie: a=b.pdf',
     'attachment; filename="x__Set-Cookie_ a_b.pdf"; '
     "filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db.pdf"),
    ('möte "1"; x=y.pdf',
     'attachment; filename="m_te _1__ x_y.pdf"; '
     "filename*=UTF-8''m%C3%B6te%20%221%22%3B%20x%3Dy.pdf"),
    ('\u2028\x00\x7f\\.pdf',
     'attachment; filename="____.pdf"; '
     "filename*=UTF-8''%E2%80%A8%00%7F%5C.pdf"),
])
def test_content_disposition_is_encoded(name, header):
    assert content_disposition(name) == header
    assert all(' ' <= c <= '~' for c in header)
    assert _filename(header) == name


def _filename(header: str) -> str:
    """The name RFC 6266 gives (filename* when present)."""
    match = re.fullmatch(r'attachment; filename="[ -~]*"; '
                         r"filename\*=UTF-8''([A-Za-z0-9%._~-]*)", header)
    assert match, header
    return unquote(match.group(1), errors='strict')


# -- the command line -------------------------------------------------------

@pytest.mark.parametrize('port', ['70000', '65536', '-1', 'abc', '', '0x50',
                                  '8080.0', '\u0668\u0660', '9' * 5000])
def test_a_bad_port_is_a_usage_error(project, capsys, port):
    code, out, err = run(project, 'serve', '--port', port, capsys=capsys)
    assert code == 2 and out == ''
    assert err.splitlines()[-1] == (
        f'make_flyers.py serve: error: argument --port: "{port}" is not a '
        'port number; give one from 1 to 65535 (or 0 for any free port)')
    assert 'Traceback' not in err


def test_a_port_in_use_is_one_line(project, capsys):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(project, 'serve', '--port', str(port),
                             capsys=capsys)
    assert code == 1 and out == ''
    assert err == (f'error: --port: cannot listen on 127.0.0.1:{port}: '
                   'address already in use; stop the program using it or '
                   'choose another --port\n')
