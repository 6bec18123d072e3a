"""The preview in a real browser: Debian's Chromium, driven by Playwright.

Opens the preview page, edits a stylesheet and sees the page picture
change; breaks a template, sees the error on the page, mends it and sees
the page recover; works the overlay switch with the keyboard alone; and
downloads a PDF under its own (odd) name."""

from __future__ import annotations

import shutil
import threading
from urllib.parse import quote

import pytest

from flyers.serve import start

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update',
        '--disable-sync']


@pytest.fixture
def preview(project):
    server = start(project, 0)
    server.serve_in_background()
    stop = threading.Event()
    rebuilder = threading.Thread(target=server.rebuild_until, args=(stop,),
                                 daemon=True)
    rebuilder.start()
    yield f'http://127.0.0.1:{server.port}/', project
    stop.set()
    rebuilder.join(30)
    server.close()


@pytest.fixture
def page(preview):
    from playwright.sync_api import sync_playwright

    url, _ = preview
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             headless=True, args=ARGS)
        tab = browser.new_page(viewport={'width': 1280, 'height': 900})
        tab.goto(url)
        yield tab
        browser.close()


LEAFLET_PAGE = 'img.with-guides[src*="trygghet-vasteras-leaflet-a5.pdf/1/"]'


def test_editing_css_changes_the_picture(page, preview):
    _, project = preview
    picture = page.locator(LEAFLET_PAGE)
    picture.wait_for()
    before_src = picture.get_attribute('src')
    before = picture.screenshot()
    css = project / 'layouts' / 'leaflet-a5' / 'style.css'
    css.write_text(css.read_text('utf-8') +
                   '\n.proposals { background: var(--brand-accent); }\n')
    page.wait_for_function(
        '([selector, old]) => { const img = document.querySelector(selector);'
        ' return img && img.getAttribute("src") !== old && img.complete; }',
        arg=[LEAFLET_PAGE, before_src], timeout=30_000)
    page.wait_for_timeout(200)
    assert page.locator(LEAFLET_PAGE).screenshot() != before


def test_a_broken_template_shows_the_error_then_recovers(page, preview):
    _, project = preview
    template = project / 'layouts' / 'poster-a3' / 'template.html.j2'
    good = template.read_text('utf-8')
    template.write_text(good.replace('{% endblock %}', '{% endblok %}'),
                        'utf-8')
    alert = page.locator('[role="alert"]')
    alert.wait_for(timeout=30_000)
    assert 'layouts/poster-a3/template.html.j2' in alert.inner_text()
    template.write_text(good, 'utf-8')
    alert.wait_for(state='detached', timeout=30_000)
    assert page.locator('h1').inner_text() == 'Flyer preview'


def test_the_overlay_switch_works_with_the_keyboard(page):
    page.locator(LEAFLET_PAGE).wait_for()
    assert 'guides-on' in page.locator('body').get_attribute('class')
    page.keyboard.press('Tab')
    assert page.evaluate('document.activeElement.id') == 'guides'
    page.keyboard.press('Space')
    assert 'guides-off' in page.locator('body').get_attribute('class')
    assert page.locator(LEAFLET_PAGE).is_hidden()


def test_readable_at_200_percent_zoom(page):
    page.set_viewport_size({'width': 640, 'height': 450})  # 1280×900 at 2×
    page.locator(LEAFLET_PAGE).wait_for()
    width = page.evaluate('document.documentElement.scrollWidth')
    assert width <= 640  # nothing forces sideways scrolling


def test_a_download_keeps_an_odd_file_name(page, preview):
    """Chromium reads the Content-Disposition header (RFC 6266) as the
    PDF's real name, with letters beyond ASCII, spaces, # and %."""
    _, project = preview
    name = 'möte #1 (100%); Ångström'
    (project / 'content' / f'{name}.yaml').write_bytes(
        (project / 'content' / 'trygghet-vasteras.yaml').read_bytes())
    href = '/pdf/' + quote(f'{name}-leaflet-a5.pdf', safe='')
    link = page.locator(f'a[href="{href}"]')
    link.wait_for(timeout=60_000)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f'{name}-leaflet-a5.pdf'
