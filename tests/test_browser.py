"""The preview in a real browser: Debian's Chromium, driven by Playwright.

Opens the preview page, edits a stylesheet and sees the page picture
change; breaks a template, sees the error on the page, mends it and sees
the page recover; and works the overlay switch with the keyboard alone."""

from __future__ import annotations

import shutil
import threading

import pytest

from flyers.serve import start

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update',
        '--disable-sync']


@pytest.fixture
def preview(project):
    httpd, previewer, stop = start(project, 0)
    thread = threading.Thread(target=httpd.serve_forever,
                              kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/', project
    stop.set()
    httpd.shutdown()
    httpd.server_close()


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
