"""The preview server: WeasyPrint's real pages, rebuilt as files are saved.

In: the project folder.  Out: a web page on 127.0.0.1 listing every output
with its pages as pictures of the real PDF (trim, bleed, safe zone and folds
as a switchable overlay), its preflight findings and a download link.

One warm process: WeasyPrint is imported and the brand fonts are loaded
once.  Saving a file under content/, layouts/, brands/, assets/ or
printshops/ rebuilds only the outputs that depend on it (a content file:
its outputs; a layout folder: that layout's; shared parts, brands, assets
and print shops: all), and the page refreshes itself through server-sent events.  A failed
build never stops the server: the page shows the errors (file:line:col,
field, message) until a save mends them.  Nothing is written to output/.

Threads: every rebuild runs on the thread that calls :func:`serve` (the
program's main thread, where signal handlers such as a time limit run);
HTTP requests are answered by daemon threads of
:class:`~flyers.localhttp.LocalServer` (Host check, time limits, bounded
connections), and a daemon thread watches the files and queues what it saw.
"""

from __future__ import annotations

import html
import json
import queue
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .errors import FlyerError, Problem
from .limits import DEFAULT_SECONDS
from .localhttp import GuardedHandler, LocalServer, content_disposition
from .varianttable import SUFFIX as TABLE_SUFFIX

WATCHED = ('content', 'layouts', 'brands', 'assets', 'printshops')
PREVIEW_DPI = 60


@dataclass
class Output:
    """What the page shows for one output."""

    path: str
    content: str
    layout: str
    edition: str
    pdf: bytes
    plain: list[bytes]  # page pictures without guides
    guides: list[bytes]  # the same with trim, bleed, safe zone, folds
    findings: list[str]
    seconds: float
    spelling: list = field(default_factory=list)  # spelling.Finding


@dataclass
class State:
    """The latest good outputs, the latest errors, and a version that
    changes whenever either does (the page polls nothing: it is told)."""

    outputs: dict[str, Output] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    version: int = 0
    last_build: str = ''
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()


class Previewer:
    """Builds outputs in memory for the page, all or only those affected."""


    def __init__(self, root: Path, printshop: str = 'default',
                 time_limit: float | None = None):
        from weasyprint.text.fonts import FontConfiguration

        self.root = root
        self.printshop = printshop
        # Seconds one output may take (templates and WeasyPrint): a layout
        # that never ends shows an error, and the next save is built.
        self.time_limit = time_limit or DEFAULT_SECONDS
        self.font_config = FontConfiguration()
        self.state = State()
        self.lock = threading.Lock()

    def affected(self, changed: set[Path]) -> tuple[list[str], list[str]] | None:
        """(content files, layouts) to rebuild, or None for everything."""
        contents, layouts = set(), set()
        for path in changed:
            try:
                relative = path.resolve().relative_to(self.root)
            except ValueError:
                continue
            parts = relative.parts
            if not parts:
                continue
            if parts[0] == 'content' and path.name.endswith(TABLE_SUFFIX):
                return None  # a variants table: its campaign's outputs change
            if parts[0] == 'content' and path.name == 'words.txt':
                return None  # the spell check's word list: every campaign
            if parts[0] == 'content' and path.suffix in ('.yaml', '.yml'):
                if not path.is_file():
                    return None  # removed or renamed: its outputs go too
                contents.add(relative.as_posix())
            elif (parts[0] == 'layouts' and len(parts) > 2
                  and not parts[1].startswith('_')):
                layouts.add(parts[1])
            elif parts[0] in ('layouts', 'brands', 'assets', 'printshops'):
                return None  # shared parts: every output depends on them
        if contents and layouts:
            return None
        return sorted(contents), sorted(layouts)

    def rebuild(self, changed: set[Path] | None = None) -> None:
        """Rebuild (what depends on) ``changed``; never raises."""
        with self.lock:
            started = time.perf_counter()
            scope = self.affected(changed) if changed else None
            if changed and scope == ([], []):
                return
            contents, layouts = scope or ([], [])
            if scope is None or (changed and any(
                    p.suffix in ('.otf', '.ttf', '.css', '.yaml')
                    and ('assets' in p.parts or 'brands' in p.parts)
                    for p in changed)):
                from weasyprint.text.fonts import FontConfiguration
                self.font_config = FontConfiguration()
            # The print edition first, shown as soon as it is ready; the
            # screen edition follows.
            for number, edition in enumerate(('print', 'screen')):
                try:
                    made = self._build(contents, layouts, edition)
                except FlyerError as exc:
                    self.state.problems = exc.problems
                except Exception as exc:  # noqa: BLE001 - must keep serving
                    self.state.problems = [Problem('(builder)', (
                        f'unexpected {type(exc).__name__}: {exc}; please '
                        'report it'))]
                else:
                    # A new dict, never a changed one: request threads
                    # may be reading the old one.
                    if scope is None and number == 0:
                        self.state.outputs = made
                    else:
                        self.state.outputs = {**self.state.outputs, **made}
                    self.state.problems = []
                seconds = time.perf_counter() - started
                self.state.last_build = (f'{time.strftime("%H:%M:%S")}, '
                                         f'{seconds:.2f} s')
                self.state.publish()
                if self.state.problems:
                    break

    def _build(self, contents: list[str], layouts: list[str], edition: str):
        from . import build, verify
        from .proofs import page_previews

        content_paths = [str(self.root / c) for c in contents]
        jobs = first_variants(build.load_everything(
            self.root, content_paths, layouts, self.printshop, (edition,)))
        report = build.render_all(self.root, jobs, lambda message: None,
                                  font_config=self.font_config,
                                  time_limit=self.time_limit)
        if report.problems:
            raise FlyerError(report.problems)
        spelling = _spelling(self.root, jobs)
        made = {}
        with tempfile.TemporaryDirectory(prefix='flyers-serve-') as folder:
            problems = verify.preflight_all(self.root, report, Path(folder),
                                             lambda message: None)
            for result in report.results:
                staged = Path(folder) / Path(result.job.path).name
                layout = result.job.layout
                plain = page_previews(staged, result.job.path, 0,
                                      dpi=PREVIEW_DPI, guides=False)
                guides = page_previews(staged, result.job.path,
                                       result.job.safe_mm, dpi=PREVIEW_DPI,
                                       folds_mm=result.job.folds_mm)
                made[result.job.path] = Output(
                    result.job.path, result.job.campaign.source, layout.name,
                    result.job.edition, result.pdf,
                    [p.png for p in plain], [p.png for p in guides],
                    [f'{f.severity}: {f.check}: {f}'
                     for f in result.preflight.findings], result.seconds,
                    spelling.get(result.job.campaign.source, []))
        if problems:
            raise FlyerError(problems)
        return made


def _spelling(root: Path, jobs: list) -> dict[str, list]:
    """The spell check's findings per content file (flyers/spelling.py)."""
    from .spelling import check

    campaigns: dict[str, list] = {}
    for job in jobs:
        campaigns.setdefault(job.campaign.source, []).append(job.campaign)
    return {source: check(root, group) for source, group in campaigns.items()}


def spelling_html(findings: list) -> str:
    """The findings beside the pages: each word underlined in its
    sentence, with where it stands and the suggestions."""
    parts = ['<aside class="spelling"><h3>Spelling</h3>']
    if not findings:
        return parts[0] + '<p>No unknown words.</p></aside>'
    parts.append('<ul>')
    for finding in findings:
        start, end = finding.offset, finding.offset + len(finding.word)
        before = finding.text[max(0, start - 40):start]
        after = finding.text[end:end + 40]
        before = ('…' if start > 40 else '') + before
        after += '…' if end + 40 < len(finding.text) else ''
        parts.append(
            f'<li><code>{html.escape(finding.where)}</code> '
            f'{html.escape(finding.field)}<br>'
            f'{html.escape(before)}<u class="misspelt">'
            f'{html.escape(finding.word)}</u>{html.escape(after)}<br>'
            f'<span class="hint">{html.escape(finding.message)}</span></li>')
    return ''.join(parts) + '</ul></aside>'


def first_variants(jobs: list) -> list:
    """Of a campaign with a variants table, the preview shows the first
    variant (the look is the same for all; ``build --variant ID`` makes
    any other)."""
    first: dict[str, str] = {}
    for job in jobs:
        first.setdefault(job.campaign.source, job.campaign.variant)
    return [job for job in jobs
            if job.campaign.variant == first[job.campaign.source]]


def page_html(state: State) -> str:
    """The preview page: plain HTML, usable with the keyboard alone and at
    any zoom (no fixed widths)."""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>Flyer preview</title><style>',
        'body{font:16px/1.5 system-ui,sans-serif;margin:1rem 2rem;'
        'color:#1c2128;max-width:100%}',
        'img{max-width:100%;height:auto;border:1px solid #ccd;'
        'margin:.25rem .5rem .5rem 0;vertical-align:top}',
        '.pages img{width:22rem}.pages.poster img{width:28rem}',
        '.guides-off .with-guides,.guides-on .without-guides{display:none}',
        '.errors{background:#fde8ea;border:2px solid #b00020;padding:1rem;'
        'white-space:pre-wrap;font-family:monospace}',
        '.warn{color:#8a5a00}.error{color:#b00020;font-weight:bold}',
        '.output{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}',
        '.spelling{flex:1 1 16rem;max-width:32rem}.spelling li{margin:.5rem 0}',
        'u.misspelt{text-decoration:underline wavy #b00020}',
        ':focus{outline:3px solid #0b57d0;outline-offset:2px}',
        '</style></head>',
        f'<body class="guides-on" data-version="{state.version}">',
        '<h1>Flyer preview</h1>',
        '<p><label><input type="checkbox" id="guides" checked> '
        'Show trim, bleed, safe zone and folds</label> · '
        f'<span id="status">last build {html.escape(state.last_build)}'
        '</span></p>']
    if state.problems:
        parts.append('<section class="errors" role="alert" id="errors">'
                     '<h2>The last build failed</h2>')
        parts += [html.escape(str(p)) + '\n' for p in state.problems]
        parts.append('</section><p>The pages below are from the last good '
                     'build. Save a fix and this page updates itself.</p>')
    for path, output in sorted(state.outputs.items()):
        name = Path(path).name
        link = html.escape(quote(name, safe=''))
        parts.append(f'<section><h2>{html.escape(name)}</h2>'
                     f'<p>{html.escape(output.content)} · '
                     f'{html.escape(output.layout)} · {output.edition} '
                     f'edition · <a href="/pdf/{link}" '
                     f'download>download the PDF</a></p>'
                     f'<div class="output"><div class="pages">')
        for index in range(len(output.plain)):
            for kind, css in (('plain', 'without-guides'),
                              ('guides', 'with-guides')):
                parts.append(
                    f'<img class="{css}" src="/page/{link}/'
                    f'{index + 1}/{kind}.png?v={state.version}" '
                    f'alt="page {index + 1} of {html.escape(name)}">')
        parts.append('</div>' + spelling_html(output.spelling) + '</div>')
        if output.findings:
            parts.append('<ul>' + ''.join(
                f'<li class="{"error" if f.startswith("error") else "warn"}">'
                f'{html.escape(f)}</li>' for f in output.findings) + '</ul>')
        else:
            parts.append('<p>Preflight: every check passed.</p>')
        parts.append('</section>')
    parts.append('''<script>
const box = document.getElementById('guides');
function apply() {
  document.body.classList.toggle('guides-on', box.checked);
  document.body.classList.toggle('guides-off', !box.checked);
}
box.addEventListener('change', apply);
const events = new EventSource('/events');
events.onmessage = async (message) => {
  if (message.data === document.body.dataset.version) return;
  const response = await fetch('/');
  const text = await response.text();
  const page = new DOMParser().parseFromString(text, 'text/html');
  const focused = document.activeElement && document.activeElement.id;
  const checked = box.checked;
  document.body.replaceWith(page.body);
  const again = document.getElementById('guides');
  again.checked = checked;
  again.addEventListener('change', () => {
    document.body.classList.toggle('guides-on', again.checked);
    document.body.classList.toggle('guides-off', !again.checked);
  });
  document.body.classList.toggle('guides-on', checked);
  document.body.classList.toggle('guides-off', !checked);
  if (focused && document.getElementById(focused)) {
    document.getElementById(focused).focus();
  }
};
</script></body></html>''')
    return '\n'.join(parts)




def make_handler(previewer: Previewer):
    state = previewer.state

    class Handler(GuardedHandler):
        def _send(self, body: bytes, content_type: str,
                  status=HTTPStatus.OK, extra=None):
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            self.send_header('Cache-Control', 'no-store')
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - stdlib name
            path = unquote(urlsplit(self.path).path)
            if path == '/':
                return self._send(page_html(state).encode(),
                                  'text/html; charset=utf-8')
            if path == '/state.json':
                return self._send(json.dumps({
                    'version': state.version,
                    'problems': [str(p) for p in state.problems],
                    'outputs': sorted(state.outputs)}).encode(),
                    'application/json')
            if path == '/events':
                return self._events()
            parts = path.strip('/').split('/')
            output = next((o for o in state.outputs.values()
                           if len(parts) > 1 and Path(o.path).name == parts[1]),
                          None)
            if output and parts[0] == 'pdf' and len(parts) == 2:
                return self._send(output.pdf, 'application/pdf', extra={
                    'Content-Disposition': content_disposition(parts[1])})
            if output and parts[0] == 'page' and len(parts) == 4:
                pictures = (output.guides if parts[3] == 'guides.png'
                            else output.plain)
                if (parts[2].isascii() and parts[2].isdigit()
                        and 0 < int(parts[2]) <= len(pictures)):
                    return self._send(pictures[int(parts[2]) - 1],
                                      'image/png')
            self._send(b'not found', 'text/plain', HTTPStatus.NOT_FOUND)

        def _events(self):
            """Tell the page each new version; an open stream gives way
            when the server is full (the browser opens it again)."""
            self.send_response(HTTPStatus.OK)
            self.send_header('Content-Type', 'text/event-stream')
            self.send_header('Cache-Control', 'no-store')
            self.end_headers()
            self.server.may_push_out(self.request)
            seen, said = -1, time.monotonic()
            while not self.pushed_out():
                with state.changed:
                    if state.version == seen:
                        state.changed.wait(timeout=0.5)
                    version = state.version
                if version != seen:
                    self.wfile.write(f'data: {version}\n\n'.encode())
                elif time.monotonic() - said >= KEEP_ALIVE_SECONDS:
                    self.wfile.write(b': keep-alive\n\n')
                else:
                    continue
                said, seen = time.monotonic(), version

    return Handler


KEEP_ALIVE_SECONDS = 15


def watch(root: Path, changes: queue.Queue, stop: threading.Event,
          state: State) -> None:
    """Queue every batch of saved files until ``stop`` is set."""
    from watchfiles import watch as watch_files

    folders = [str(root / name) for name in WATCHED if (root / name).is_dir()]
    try:
        for batch in watch_files(*folders, stop_event=stop, debounce=50,
                                 step=20):
            changes.put({Path(path) for _, path in batch})
    except Exception as exc:  # noqa: BLE001 - say so on the page
        state.problems = [Problem('(preview)', (
            f'stopped watching the files ({type(exc).__name__}: {exc}); '
            'saved changes are no longer shown: restart the preview'))]
        state.publish()


class Preview:
    """A built preview, listening: answer requests in the background with
    :meth:`serve_in_background`, rebuild on the calling thread with
    :meth:`rebuild_until`, and :meth:`close` at the end."""

    def __init__(self, root: Path, port: int, printshop: str = 'default',
                 time_limit: float | None = None, **limits):
        self.previewer = Previewer(root, printshop, time_limit)
        try:
            self.server = LocalServer(port, make_handler(self.previewer),
                                      **limits)
        except OSError as exc:
            raise FlyerError(Problem('--port', (
                f'cannot listen on 127.0.0.1:{port}: '
                f'{(exc.strerror or str(exc)).lower()}; stop the program '
                'using it or choose another --port'))) from None
        self.port = self.server.port
        self.serving = False
        self.changes: queue.Queue[set[Path]] = queue.Queue()
        self.stop = threading.Event()
        # Watch first: the watcher is set up while the first build runs,
        # so no save made after this returns is missed.
        threading.Thread(target=watch, args=(root, self.changes, self.stop,
                                             self.previewer.state),
                         daemon=True).start()
        try:
            self.previewer.rebuild()
        except BaseException:  # Ctrl-C during the first build
            self.close()
            raise

    def serve_in_background(self) -> None:
        self.serving = True
        threading.Thread(target=self.server.serve_forever,
                         kwargs={'poll_interval': 0.1}, daemon=True).start()

    def rebuild_until(self, stop: threading.Event) -> None:
        """Rebuild what each batch of saved files affects, on this thread,
        until ``stop`` is set (or KeyboardInterrupt)."""
        while not stop.is_set():
            try:
                changed = self.changes.get(timeout=0.1)
            except queue.Empty:
                continue
            while True:  # saves made meanwhile: one rebuild for all
                try:
                    changed |= self.changes.get_nowait()
                except queue.Empty:
                    break
            self.previewer.rebuild(changed)

    def close(self) -> None:
        self.stop.set()
        if self.serving:
            self.server.shutdown()
            self.serving = False
        self.server.close()


def start(root: Path, port: int, printshop: str = 'default',
          time_limit: float | None = None, **limits) -> Preview:
    """Listen on 127.0.0.1:``port`` (0: any free one), then build
    everything; raises FlyerError when the port cannot be had."""
    return Preview(root, port, printshop, time_limit, **limits)


def serve(root: Path, port: int, printshop: str = 'default', ready=None,
          stop: threading.Event | None = None,
          time_limit: float | None = None) -> None:
    """Build, then serve and watch until interrupted (or ``stop`` is set).
    Rebuilds run on the calling thread."""
    preview = start(root, port, printshop, time_limit)
    try:
        preview.serve_in_background()
        if ready is not None:
            ready(preview.port, preview.previewer)
        preview.rebuild_until(stop or threading.Event())
    finally:
        preview.close()
