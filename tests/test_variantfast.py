"""Variants made fast (issue 13 §3): every shortcut of flyers.variantfast
gives the very bytes a full build of the same job gives, its preflight
the full preflight's verdict, and every case it cannot prove falls back.

One module-scoped set of builds of a copy of the seed with a variants
table of its own: ``aaa`` is built in full (the base), ``bbb`` differs
only in its QR tracking, ``ccc`` also in the imprint (one short line);
``ddd`` (a longer imprint), ``eee`` (a QR code of another version) and a
changed call to action (several lines) must be refused.  Each fast output
is compared with a full build of the same job made by the ordinary
Producer, and read with pikepdf and zxing-cpp, not with flyers' own code.

All shortcuts give identical bytes (no pixel comparison is needed): the
QR-only patch re-serialises the base's own PDF objects with pydyf's
writer, the swap writes the base's laid-out document with WeasyPrint's,
and the one-text shortcut lays the document out as the full build's last
layout does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conftest import copy_project, decode_qr_codes, normalise, pdf_text

SEED = 'content/trygghet-vasteras.yaml'
TABLE = 'content/trygghet-vasteras.variants.csv'
IMPRINT = 'Ansvarig utgivare: [namn saknas], Liberalerna Västerås'
ROWS = {
    'aaa': ('utm_content=aaa', IMPRINT),
    'bbb': ('utm_content=bbb', IMPRINT),
    'ccc': ('utm_content=ccc', 'Ansvarig utgivare: [namn saknas], '
                               'Liberalerna'),
    'ddd': ('utm_content=ddd', IMPRINT + ' med omnejd, Köping och Sala'),
    'eee': ('utm_content=' + 'e' * 40, IMPRINT),
}
GROUPS = [('leaflet-a5', 'print'), ('leaflet-a5', 'screen'),
          ('poster-a3', 'print'), ('poster-a3', 'screen')]
# The one-text shortcut is slower to check against a full build: two of
# the four groups.
TEXT_GROUPS = [('leaflet-a5', 'print'), ('poster-a3', 'screen')]


@dataclasses.dataclass
class Made:
    project: Path
    jobs: dict  # (variant, layout, edition) -> Job
    fast: dict  # same key -> Result from Variants
    full: dict  # same key -> Result from a full build
    variants: object  # the Variants that made ``fast``
    staging: Path
    date: object


@pytest.fixture(scope='module')
def made(tmp_path_factory) -> Made:
    from flyers.catalogue import load_everything
    from flyers.dates import Dates
    from flyers.produce import Producer
    from flyers.variantfast import Variants

    project = copy_project(tmp_path_factory.mktemp('fast') / 'project')
    (project / TABLE).write_text('id;qr_tracking;imprint\n' + ''.join(
        f'{name};{tracking};{imprint}\n'
        for name, (tracking, imprint) in ROWS.items()), 'utf-8')
    jobs = {(job.campaign.variant, job.layout.name, job.edition): job
            for job in load_everything(project, [str(project / SEED)],
                                       ['leaflet-a5', 'poster-a3'])}
    producer = Producer(project)
    dates = Dates(project)
    staging = project / 'staging'
    staging.mkdir()
    variants = Variants(producer)
    fast, full = {}, {}
    for layout, edition in GROUPS:
        for name in ('aaa', 'bbb', 'ccc'):
            if name == 'ccc' and (layout, edition) not in TEXT_GROUPS:
                continue
            key = (name, layout, edition)
            job = jobs[key]
            fast[key] = variants.produce(job, dates.job(job), staging,
                                         proofs=False)
            if name != 'aaa':
                full[key] = producer.produce(job, dates.job(job), staging,
                                             proofs=False)
    return Made(project, jobs, fast, full, variants, staging, dates.job)


# --- the shortcuts give a full build's bytes ---------------------------------

@pytest.mark.parametrize('layout,edition', GROUPS)
def test_a_qr_only_variant_is_patched_to_a_full_builds_bytes(
        made, layout, edition):
    key = ('bbb', layout, edition)
    fast, full = made.fast[key], made.full[key]
    assert made.fast[('aaa', layout, edition)].__dict__.get('made_by') is None
    assert fast.made_by == 'patch'
    assert fast.pdf == full.pdf
    assert fast.pages == full.pages and fast.fields == full.fields
    assert fast.copyfit == full.copyfit
    # Read back: the code holds the variant's own address.
    path = made.staging / 'check.pdf'
    path.write_bytes(fast.pdf)
    page = 1 if layout == 'leaflet-a5' else 0
    assert made.jobs[key].qr.url in [code.text for code in
                                     decode_qr_codes(path, page)]
    assert 'utm_content=bbb' in made.jobs[key].qr.url


@pytest.mark.parametrize('layout,edition', [('leaflet-a5', 'print'),
                                            ('poster-a3', 'screen')])
def test_the_swap_without_the_patch_gives_the_same_bytes(made, layout,
                                                         edition):
    """The patch's fallback: the base's laid-out document written again
    with the symbol and the link targets swapped."""
    from flyers.variantboxes import swap_qr

    job = made.jobs[('bbb', layout, edition)]
    base = made.variants.bases[(job.campaign.source, layout, edition)]
    html = made.variants.producer.renderer.render(job,
                                                  build_date=made.date(job))
    assert swap_qr(base, job, html) == made.full[('bbb', layout,
                                                  edition)].pdf


@pytest.mark.parametrize('layout,edition', TEXT_GROUPS)
def test_a_shorter_line_is_set_in_the_base_to_a_full_builds_bytes(
        made, layout, edition):
    """No layout: the new text set in the base's line box, as WeasyPrint
    sets a line that fits, and written again."""
    key = ('ccc', layout, edition)
    fast, full = made.fast[key], made.full[key]
    assert fast.made_by == 'line'
    assert fast.pdf == full.pdf
    assert fast.fields == full.fields and fast.copyfit == full.copyfit
    path = made.staging / 'check-text.pdf'
    path.write_bytes(fast.pdf)
    text = normalise(pdf_text(path))
    assert normalise(ROWS['ccc'][1]) in text
    assert normalise(IMPRINT) not in text


@pytest.mark.parametrize('layout,edition', TEXT_GROUPS)
def test_a_shorter_line_laid_out_once_gives_a_full_builds_bytes(
        made, layout, edition):
    """The line's fallback, for a line that is not plain: one layout at
    the base's copyfit size, --fill and --even."""
    from flyers.variantboxes import one_layout
    from flyers.variantfast import changed_text, qr_normalised

    job = made.jobs[('ccc', layout, edition)]
    base = made.variants.bases[(job.campaign.source, layout, edition)]
    html = made.variants.producer.renderer.render(job,
                                                  build_date=made.date(job))
    change = changed_text(base.html, qr_normalised(base, job, html))
    assert change[:2] == ('p', 'imprint')
    rendered, _ = one_layout(base, job, html, change, made.variants.producer)
    full = made.full[('ccc', layout, edition)]
    assert rendered.pdf == full.pdf and rendered.fields == full.fields


def _close(a, b) -> bool:
    """Findings equal, but for where a QR code's finding is placed: the
    fast preflight reads the code on a picture of its region only, whose
    pixels fall 0.1 mm apart from the whole page's."""
    if (a.check, a.severity, a.message, a.page, a.field) != (
            b.check, b.severity, b.message, b.page, b.field):
        return False
    if a.position_mm is None or b.position_mm is None:
        return a.position_mm == b.position_mm
    return all(abs(x - y) <= 0.15 for x, y in zip(a.position_mm,
                                                  b.position_mm))


@pytest.mark.parametrize('name,layout,edition', [
    ('bbb', *group) for group in GROUPS] + [
    ('ccc', *group) for group in TEXT_GROUPS])
def test_the_fast_preflight_has_the_full_preflights_verdict(
        made, name, layout, edition):
    fast = made.fast[(name, layout, edition)].preflight
    full = made.full[(name, layout, edition)].preflight
    assert fast.checks == full.checks
    assert fast.ok == full.ok
    assert len(fast.findings) == len(full.findings)
    assert all(_close(a, b) for a, b in zip(fast.findings, full.findings))


def test_the_fast_preflight_reads_the_code_again(made):
    """Not the base's verdict: a code that leads elsewhere fails."""
    from flyers.expectations import job_expectations
    from flyers.variantcheck import QR_CHECKS, delta_preflight, qr_region

    key = ('bbb', 'leaflet-a5', 'print')
    job = made.jobs[key]
    base = made.variants.bases[(job.campaign.source, 'leaflet-a5', 'print')]
    staged = made.staging / 'wrong.pdf'
    staged.write_bytes(made.fast[key].pdf)
    expect = dataclasses.replace(
        job_expectations(made.project, made.fast[key]),
        qr_urls=('https://example.org/elsewhere',))
    report = delta_preflight(base, staged, expect, job.path,
                             qr_region(base), QR_CHECKS)
    assert not report.ok
    assert dict(report.checks)['qr'] == 'fail'
    assert any('https://example.org/elsewhere' in f.message
               for f in report.findings if f.check == 'qr')


# --- refusals ----------------------------------------------------------------

def _variant_of(made, name: str, **content):
    """A job of variant ``name`` (leaflet, print) with content changed."""
    from flyers.catalogue import _make_qr

    job = made.jobs[(name, 'leaflet-a5', 'print')]
    if content:
        campaign = dataclasses.replace(job.campaign, **content)
        job = dataclasses.replace(job, campaign=campaign, qr=_make_qr(
            campaign, job.layout, job.edition, []))
    return job


@pytest.mark.parametrize('case', ['longer line', 'other QR version',
                                  'several lines', 'another picture',
                                  'no text'])
def test_what_a_shortcut_cannot_prove_is_refused(made, case):
    base_job = made.jobs[('aaa', 'leaflet-a5', 'print')]
    base = made.variants.bases[(base_job.campaign.source, 'leaflet-a5',
                                'print')]
    if case == 'longer line':
        job = _variant_of(made, 'ddd')
    elif case == 'other QR version':
        job = _variant_of(made, 'eee')
        assert job.qr.version != base.job.qr.version
    elif case == 'several lines':
        job = _variant_of(made, 'bbb', call_to_action=(
            base_job.campaign.call_to_action.replace('Dela', 'Sprid')))
    elif case == 'another picture':
        people = list(base_job.campaign.people)
        people[0] = dataclasses.replace(people[0], photo=dataclasses.replace(
            people[0].photo, focus='50% 40%'))
        job = _variant_of(made, 'bbb', people=tuple(people))
    else:
        job = _variant_of(made, 'bbb', imprint=' ')
    counts = dict(made.variants.made)
    assert made.variants.shortcut(base, job, made.date(job), made.staging,
                                  proofs=False) is None
    assert made.variants.made == counts


def test_a_line_that_wrapped_while_the_search_tried_sizes_is_refused(made):
    """The base's imprint was one line where the search ended; had it
    wrapped at a size the search tried on its way, a shorter one might not
    have, and the search could have ended elsewhere."""
    job = made.jobs[('ccc', 'leaflet-a5', 'print')]
    base = made.variants.bases[(job.campaign.source, 'leaflet-a5', 'print')]
    assert all(lines[('p', 'imprint')] == 1 for lines in base.trace)
    wrapped = dataclasses.replace(base, trace=base.trace[:-1] + (
        {**base.trace[-1], ('p', 'imprint'): 2},))
    assert made.variants.shortcut(wrapped, job, made.date(job),
                                  made.staging, proofs=False) is None
    assert made.variants.shortcut(base, job, made.date(job), made.staging,
                                  proofs=False).made_by == 'line'


def test_a_variant_the_fast_preflight_fails_is_built_in_full(made,
                                                             monkeypatch):
    """The full build and its whole preflight then say what is wrong."""
    from flyers import variantfast
    from flyers.preflight import Finding

    checked = variantfast.delta_preflight

    def failing(*args):
        report = checked(*args)
        return dataclasses.replace(report, findings=report.findings + (
            Finding('qr', 'error', 'unreadable'),))
    monkeypatch.setattr(variantfast, 'delta_preflight', failing)
    job = made.jobs[('bbb', 'leaflet-a5', 'print')]
    base = made.variants.bases[(job.campaign.source, 'leaflet-a5', 'print')]
    assert made.variants.shortcut(base, job, made.date(job), made.staging,
                                  proofs=False) is None


def test_another_print_shop_or_brand_is_not_a_variant(made):
    from flyers.variantfast import same_setting

    job = made.jobs[('bbb', 'leaflet-a5', 'print')]
    base = made.variants.bases[(job.campaign.source, 'leaflet-a5', 'print')]
    assert same_setting(base, job)
    shop = dataclasses.replace(job.printshop, bleed_mm=5.0)
    assert not same_setting(base, dataclasses.replace(job, printshop=shop))
    other = made.jobs[('bbb', 'leaflet-a5', 'screen')]
    assert not same_setting(base, other)


@pytest.mark.parametrize('before,after,expected', [
    ('<p class="imprint" data-field="imprint">Utgivare A</p>',
     '<p class="imprint" data-field="imprint">Utgivare B</p>',
     ('p', 'imprint', 'Utgivare A', 'Utgivare B')),
    ('<p data-field="x">same</p>', '<p data-field="x">same</p>', ()),
    # markup, attributes, text outside a field, a title: not provable
    ('<p data-field="x">A</p>', '<p data-field="x"><b>A</b></p>', None),
    ('<p data-field="x" class="a">A</p>', '<p data-field="x" class="b">A</p>',
     None),
    ('<p>A</p>', '<p>B</p>', None),
    ('<title data-field="title">A</title>',
     '<title data-field="title">B</title>', None),
    ('<p data-field="x">A</p>', '<p data-field="x"> </p>', None),
])
def test_changed_text_finds_one_fields_text_only(before, after, expected):
    from flyers.variantfast import changed_text

    assert changed_text(before, after) == expected


# --- wired into the build ----------------------------------------------------

def test_the_build_makes_variants_of_one_output_in_a_row_fast(made):
    """workers.run in this process: the first variant in full, the next by
    the patch, the bytes of the full build."""
    from flyers import workers
    from flyers.cache import Cache

    jobs = [made.jobs[(name, 'leaflet-a5', 'print')]
            for name in ('aaa', 'bbb')]
    staging = made.project / 'staging-run'
    staging.mkdir()
    workers._VARIANTS.clear()
    outcome = workers.run(made.project, jobs, staging,
                          lambda *args: None,
                          Cache(made.project, enabled=False), workers=1,
                          proofs=False)
    assert not outcome.problems
    assert workers._VARIANTS['variants'].made == {'full': 1, 'patch': 1}
    assert outcome.results[1].pdf == made.full[('bbb', 'leaflet-a5',
                                                'print')].pdf
    assert outcome.results[1].preflight.ok
