"""Web addresses: the printed address and the QR code name the same host.

Data-driven: each hostile address is refused when the content file is
loaded, with its exact message; each accepted one prints an address and
gives a QR code address (WHATWG href) that name the same host, checked by
parsing the href again, independently, with urllib and with ada.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import ada_url
import pytest

from conftest import FIXTURES, ROOT, decode_qr_codes, pdf_text, run
from flyers.content import load_campaign
from flyers.errors import ContentError
from flyers.qr import with_tracking
from flyers.typography import display_url
from flyers.urls import AddressError

LOOKALIKE = 'https://l\u0456beralerna.se/trygghet'  # Cyrillic і

REFUSED = [
    ('https://evil.com\\@liberalerna.se/trygghet',
     '"https://evil.com\\@liberalerna.se/trygghet" contains a backslash (\\), '
     'which browsers read as "/" (this one opens evil.com); write "/" or '
     'remove it'),
    ('https://liberalerna.se\\trygghet',
     '"https://liberalerna.se\\trygghet" contains a backslash (\\), which '
     'browsers read as "/" (this one opens liberalerna.se); write "/" or '
     'remove it'),
    ('https://evil.com@liberalerna.se/trygghet',
     '"https://evil.com@liberalerna.se/trygghet" contains user information '
     '("evil.com@") before the host: browsers go to "liberalerna.se" and the '
     'text before the @ only misleads readers; remove it'),
    ('https://user:pass@liberalerna.se/',
     '"https://user:pass@liberalerna.se/" contains user information '
     '("user:pass@") before the host: browsers go to "liberalerna.se" and the '
     'text before the @ only misleads readers; remove it'),
    (LOOKALIKE,
     'the host name "l\u0456beralerna.se" mixes Latin and Cyrillic letters in '
     '"l\u0456beralerna", the way lookalikes of other addresses are made; '
     'write each part of the name in one alphabet'),
    ('https://xn--lberalerna-x2i.se/trygghet',  # the same, in punycode
     'the host name "l\u0456beralerna.se" mixes Latin and Cyrillic letters in '
     '"l\u0456beralerna", the way lookalikes of other addresses are made; '
     'write each part of the name in one alphabet'),
    ('https://\u0430\u0440\u0440\u04cf\u0435.se/',  # "apple", all Cyrillic
     'the host name "\u0430\u0440\u0440\u04cf\u0435.se" has '
     '"\u0430\u0440\u0440\u04cf\u0435" written in Cyrillic letters that look '
     'like the Latin "apple": readers would type another address; write the '
     'name in Latin letters'),
    ('https://liberalerna.se:8443/trygghet',
     '"https://liberalerna.se:8443/trygghet" names port 8443; printed '
     'addresses use the usual port (443): remove ":8443" and serve the page, '
     'or a redirect to it, there'),
    ('https://[::1]/trygghet',
     '"https://[::1]/trygghet" names an IP address ([::1]) instead of a '
     'domain name; write the site\'s name, such as liberalerna.se'),
    ('https://192.168.0.1/trygghet',
     '"https://192.168.0.1/trygghet" names an IP address (192.168.0.1) '
     'instead of a domain name; write the site\'s name, such as '
     'liberalerna.se'),
    ('https://3232235521/trygghet',
     '"https://3232235521/trygghet" names an IP address (192.168.0.1) '
     'instead of a domain name; write the site\'s name, such as '
     'liberalerna.se'),
    ('https://0x7f.1/',
     '"https://0x7f.1/" names an IP address (127.0.0.1) instead of a domain '
     'name; write the site\'s name, such as liberalerna.se'),
    ('http://liberalerna.se/trygghet',
     '"http://liberalerna.se/trygghet" starts with http://; printed '
     'addresses must be secure: write https:// (and check that the site '
     'answers on it)'),
    ('https:liberalerna.se/trygghet',
     'expected a web address starting with https://, found '
     '"https:liberalerna.se/trygghet"'),
    ('javascript:alert(1)',
     'expected a web address starting with https://, found '
     '"javascript:alert(1)"'),
    ('https://liberalerna.se./trygghet',
     'the host name "liberalerna.se." ends in a dot; remove it'),
    ('https://liberalerna..se/',
     'the host name "liberalerna..se" has an empty part between dots; remove '
     'the extra dot'),
    ('https://liber\talerna.se/',
     'the address contains a tab (U+0009) after "https://liber"; browsers '
     'drop or encode it, so the print and the QR code would differ: remove '
     'it'),
    ('https://liberalerna.se/trygg\nhet',
     'the address contains a line break (U+000A) after '
     '"https://liberalerna.se/trygg"; browsers drop or encode it, so the '
     'print and the QR code would differ: remove it'),
    ('https://liberalerna.se/trygghet ',
     'the address contains a space (U+0020) after '
     '"https://liberalerna.se/trygghet"; browsers drop or encode it, so the '
     'print and the QR code would differ: remove it'),
    ('https://liberalerna.se\u202e/ten',
     'the address contains the character "right-to-left override" (U+202E) '
     'after "https://liberalerna.se"; browsers drop or encode it, so the '
     'print and the QR code would differ: remove it'),
    ('https://liber\u00adalerna.se/',
     'the address contains the character "soft hyphen" (U+00AD) after '
     '"https://liber"; browsers drop or encode it, so the print and the QR '
     'code would differ: remove it'),
    ('https://%6Ciberalerna.se/trygghet',
     'browsers read the host name "%6Ciberalerna.se" as "liberalerna.se"; '
     'write "liberalerna.se" so that the print and the QR code agree'),
    ('https://\uff4c\uff49\uff42eralerna.se/',  # fullwidth ｌｉｂ
     'browsers read the host name "\uff4c\uff49\uff42eralerna.se" as '
     '"liberalerna.se"; write "liberalerna.se" so that the print and the QR '
     'code agree'),
    ('https://xn--zz.se/',
     'the host name part "xn--zz" is not valid punycode; write the name in '
     'its own letters (such as räddabarnen.se)'),
    ('https:///liberalerna.se',
     '"https:///liberalerna.se" has no host name after https://; write it '
     'as https://NAME/PATH'),
    ('https://exa<mple.se/',
     '"https://exa<mple.se/" is not a web address a browser can open; check '
     '"exa<mple.se": a host name of letters, digits, hyphens and dots, and '
     'no port'),
    ('https://liberalerna.se:99999/',
     '"https://liberalerna.se:99999/" is not a web address a browser can '
     'open; check "liberalerna.se:99999": a host name of letters, digits, '
     'hyphens and dots, and no port'),
    ('https://liberalerna.se\u2044evil.com/',  # reads as a path, is a host
     'the host name "liberalerna.se\u2044evil.com" contains "\u2044" '
     '(fraction slash, U+2044), which readers take for punctuation or a '
     'picture: the address would not be what they read; write the name in '
     'letters, digits and hyphens'),
    ('https://l\u0131\u0307beralerna.se/',  # dotless ı + combining dot: "i"
     'the host name "l\u0131\u0307beralerna.se" puts a combining dot above '
     '(U+0307) on "\u0131", which hides it from readers; write the letter '
     'with its accent as one character, or without it'),
    ('https://' + 'a' * 64 + '.se/',
     'the host name "' + 'a' * 59 + '…" has a part longer than 63 '
     'characters, which no name server answers; check the address'),
]

ACCEPTED = [
    # written, printed, QR code's address
    ('https://www.liberalerna.se/vasteras/', 'liberalerna.se/vasteras',
     'https://www.liberalerna.se/vasteras/'),
    # www. is left out only when a name with a dot remains
    ('https://www.com/', 'www.com', 'https://www.com/'),
    ('https://liberalerna.se:443/trygghet', 'liberalerna.se/trygghet',
     'https://liberalerna.se/trygghet'),
    ('https://LIBERALERNA.SE/Trygghet', 'liberalerna.se/Trygghet',
     'https://liberalerna.se/Trygghet'),
    ('HTTPS://liberalerna.se', 'liberalerna.se', 'https://liberalerna.se/'),
    ('https://räddabarnen.se/', 'räddabarnen.se',
     'https://xn--rddabarnen-q5a.se/'),
    ('https://xn--rddabarnen-q5a.se/', 'räddabarnen.se',
     'https://xn--rddabarnen-q5a.se/'),
    ('https://RÄDDABARNEN.se/stöd?ämne=skola',
     'räddabarnen.se/stöd?ämne=skola',
     'https://xn--rddabarnen-q5a.se/st%C3%B6d?%C3%A4mne=skola'),
    ('https://дом.рф/', 'дом.рф', 'https://xn--d1aqf.xn--p1ai/'),
    ('https://x.se/a/../b/./c', 'x.se/b/c', 'https://x.se/b/c'),
    ('https://x.se/a#@evil.com', 'x.se/a', 'https://x.se/a#@evil.com'),
    ('https://x.se/?q=1@evil.com', 'x.se?q=1@evil.com',
     'https://x.se/?q=1@evil.com'),
]


SOURCE = (ROOT / 'content' / 'trygghet-vasteras.yaml').read_text('utf-8')
URL_LINE = 'url: https://example.org/trygghet-vasteras'
LINE = SOURCE.splitlines().index(URL_LINE) + 1


def _load_url(tmp_path, url: str):
    """The campaign's url as loaded, or the messages about it."""
    path = tmp_path / 'x.yaml'
    path.write_text(SOURCE.replace(URL_LINE, f'url: {json.dumps(url)}'),
                    'utf-8')
    try:
        return load_campaign(path, 'content/x.yaml').url
    except ContentError as exc:
        return [str(p) for p in exc.problems]


@pytest.mark.parametrize('url, message', REFUSED, ids=repr)
def test_hostile_address_is_refused_with_its_message(url, message, tmp_path):
    assert _load_url(tmp_path, url) == [
        f'content/x.yaml:{LINE}:6: url: {message}']
    # The stages that print and encode refuse it too, should it get there.
    with pytest.raises(AddressError, match=re.escape(message)):
        display_url(url)
    with pytest.raises(AddressError):
        with_tracking(url, 'utm_medium=print')


def _host_of_print(shown: str) -> str:
    host = shown.split('/')[0].split('?')[0]
    return ada_url.idna_to_ascii(host).decode('ascii')


@pytest.mark.parametrize('url, shown, href', ACCEPTED, ids=repr)
def test_print_and_qr_code_name_the_same_host(url, shown, href, tmp_path):
    campaign_url = _load_url(tmp_path, url)
    assert not isinstance(campaign_url, list), campaign_url
    assert display_url(campaign_url) == shown
    assert with_tracking(campaign_url, None) == href
    # Parsed again, independently, the QR code's address goes to the
    # printed host (www. is the only thing print leaves out).
    qr_host = urlsplit(href).hostname
    assert qr_host == ada_url.parse_url(href)['hostname']
    assert _host_of_print(shown) in (qr_host, qr_host.removeprefix('www.'))
    tracked = with_tracking(campaign_url, 'utm_medium=print')
    assert urlsplit(tracked).hostname == qr_host
    assert 'utm_medium=print' in urlsplit(tracked).query


def test_placeholder_link_stays_allowed(tmp_path):
    assert _load_url(tmp_path, '#') == '#'
    assert display_url('#') == '' and with_tracking('#', 'a=b') == '#'


def test_content_file_with_a_hostile_url_is_refused(project, capsys):
    source = (project / 'content' / 'trygghet-vasteras.yaml').read_text()
    hostile = 'https://evil.com\\@liberalerna.se/trygghet'
    text = source.replace('url: https://example.org/trygghet-vasteras',
                          f"url: '{hostile}'")
    assert text != source
    path = project / 'content' / 'trygghet-vasteras.yaml'
    path.write_text(text, 'utf-8')
    line = text.splitlines().index(f"url: '{hostile}'") + 1
    code, _, err = run(project, 'build', capsys=capsys)
    assert code == 1
    assert (f'content/trygghet-vasteras.yaml:{line}:6: url: "{hostile}" '
            'contains a backslash (\\), which browsers read as "/" (this one '
            'opens evil.com); write "/" or remove it') in err
    assert 'Traceback' not in err
    assert not (project / 'output').exists()


def test_import_url_option_is_checked_the_same_way(empty_project, capsys):
    out = empty_project / 'content' / 'x.yaml'
    code, _, err = run(empty_project, 'import',
                       str(FIXTURES / 'seed-trygghet-vasteras.txt'), '--out',
                       str(out), '--url', 'https://liberalerna.se:8443/x',
                       capsys=capsys)
    assert code == 2
    assert ('--url: "https://liberalerna.se:8443/x" names port 8443; '
            'printed addresses use the usual port (443)') in err
    assert not out.exists()


def test_imported_links_are_checked_the_same_way(tmp_path):
    from flyers.importer import import_page

    page = ('# Trygghet\n\nText.\n\n## Förslag\n\n- Ett\n- Två\n\n'
            '## Läs mer\n\n- [idn](https://räddabarnen.se/stöd)\n'
            '- [gammal](http://liberalerna.se/a)\n'
            '- [lurad](https://evil.com\\@liberalerna.se/)\n')
    result = import_page(page, source='page.md')
    path = tmp_path / 'page.yaml'
    path.write_text(result.yaml_text, 'utf-8')
    links = load_campaign(path).further_reading.links
    assert [link.url for link in links] == [
        'https://räddabarnen.se/st%C3%B6d', '#', '#']
    assert display_url(links[0].url) == 'räddabarnen.se/stöd'
    assert ('line 13: link "gammal": "http://liberalerna.se/a" starts with '
            'http://') in '\n'.join(result.notes)
    # In Markdown "\\@" is an escaped "@" (CommonMark): refused as user
    # information.
    assert ('line 14: link "lurad": "https://evil.com@liberalerna.se/" '
            'contains user information') in '\n'.join(result.notes)


def test_built_poster_prints_the_host_its_qr_code_opens(project, capsys,
                                                        monkeypatch):
    """An IDN address written in capitals: the PDF's text and its decoded
    QR code, parsed independently, name the same host."""
    path = project / 'content' / 'trygghet-vasteras.yaml'
    source = path.read_text('utf-8')
    path.write_text(source.replace(
        'url: https://example.org/trygghet-vasteras',
        'url: https://RÄDDABARNEN.se/trygghet/'), 'utf-8')
    monkeypatch.chdir(project)
    code, _, err = run(project, 'build', '--layout', 'poster-a3',
                       '--edition', 'print', capsys=capsys)
    assert code == 0, err
    pdf = project / 'output' / 'trygghet-vasteras-poster-a3.pdf'
    codes = [c.text for c in decode_qr_codes(pdf, 0)]
    assert codes == ['https://xn--rddabarnen-q5a.se/trygghet/'
                     '?utm_medium=print&utm_source=poster']
    assert 'räddabarnen.se/trygghet' in pdf_text(pdf)
    printed = ada_url.idna_to_ascii('räddabarnen.se').decode('ascii')
    assert urlsplit(codes[0]).hostname == printed
