"""The preview server, driven over HTTP on 127.0.0.1 (a real browser test
follows with issue 4's Playwright suite): it shows the real pages, rebuilds
what a saved file affects, shows errors and recovers."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

from flyers.serve import start


@pytest.fixture
def server(project):
    httpd, previewer, stop = start(project, 0)
    thread = threading.Thread(target=httpd.serve_forever,
                              kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    base = f'http://127.0.0.1:{httpd.server_address[1]}'
    yield base, project
    stop.set()
    httpd.shutdown()
    httpd.server_close()


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


def test_serves_the_real_pages_and_pdfs(server):
    base, _ = server
    state = _state(base)
    assert len(state['outputs']) == 4 and state['problems'] == []
    page = _get(f'{base}/').decode()
    assert '<h1>Flyer preview</h1>' in page
    assert 'trygghet-vasteras-leaflet-a5.pdf' in page
    png = _get(f'{base}/page/trygghet-vasteras-leaflet-a5.pdf/2/guides.png')
    assert png.startswith(b'\x89PNG')
    pdf = _get(f'{base}/pdf/trygghet-vasteras-leaflet-a5.pdf')
    assert pdf.startswith(b'%PDF-')


def test_saving_css_updates_the_picture(server):
    base, project = server
    url = f'{base}/page/trygghet-vasteras-leaflet-a5.pdf/1/plain.png'
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
    version = state['version']
    template.write_text(good, 'utf-8')
    deadline = time.monotonic() + 30
    while _state(base)['problems'] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _state(base)['problems'] == []
    assert 'role="alert"' not in _get(f'{base}/').decode()


def test_only_listens_on_loopback(server):
    base, _ = server
    assert base.startswith('http://127.0.0.1:')
