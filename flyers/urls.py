"""Stage helper: web addresses read the way browsers and phones read them.

In: an address as written in a content file or on the command line.  Out:
a :class:`WebAddress` whose ``href`` is the WHATWG serialisation (what the
QR code holds; an internationalised host in punycode) and whose ``shown``
is the short printed form (no scheme, no trailing slash) made from the same
parse, so the printed address names the host a phone opens (less a leading
www.: the same owner's name, printed so as ever) — or an
:class:`AddressError` with one plain sentence saying what is wrong and what
to do.

Parsing is ada's (``ada-url``), a WHATWG-conformant parser: the rules of
browsers, not of :mod:`urllib`, which reads ``https://evil.com\\@x.se`` as a
link to x.se while browsers go to evil.com.  Refused, each with its own
message: any scheme but ``https://``, white space and control characters,
backslashes, user info (``user@``), ports other than 443, IP-address hosts,
hosts a browser rewrites into another name than the one written
(percent-encoded or fullwidth letters), empty host labels and a trailing
dot, malformed punycode, labels that mix scripts (Latin with Cyrillic: a
lookalike of another address), judged by the Unicode script data that
fontTools (a WeasyPrint dependency) keeps up to date, and Cyrillic or Greek
labels made only of letters that look Latin ("аррӏе" under .com).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import ada_url
from fontTools import unicodedata as scripts

SCHEME = 'https://'
# What ends the authority part (the backslash is refused before this).
_AUTHORITY_END = re.compile(r'[/?#]')
# Percent-encoded bytes from 0x80 up: UTF-8 of non-ASCII characters, shown
# decoded when they decode to printable text (as browsers' address bars do).
_ENCODED_RUN = re.compile(r'(?:%[89A-Fa-f][0-9A-Fa-f])+')
# UTS 39 "augmented script sets": Han also counts as each writing system
# it is part of, so a name of Han and Hiragana is one script (Japanese).
_AUGMENT = {'Hani': {'Hani', 'Jpan', 'Kore', 'Hanb'},
            'Hira': {'Hira', 'Jpan'}, 'Kana': {'Kana', 'Jpan'},
            'Hang': {'Hang', 'Kore'}, 'Bopo': {'Bopo', 'Hanb'}}
_ANY_SCRIPT = ('Zyyy', 'Zinh')  # digits, hyphen, combining marks
# Cyrillic and Greek letters that print like Latin ones.  A name made only
# of them ("аррӏе", Cyrillic) is one script yet reads as a Latin name;
# browsers show such names in punycode, and they are refused here (the
# list is Chromium's Cyrillic one, with Greek letters of the same kind).
_LATIN_LOOKALIKES = str.maketrans(
    'асԁеһіјӏорԛѕԝхуъьҽпгѵѡ' 'αβεικνορτυχ',
    'acdehijlopqswxybbenrvw' 'abeiknoptux')
_NAMES = {'\t': 'a tab', '\n': 'a line break', '\r': 'a carriage return',
          ' ': 'a space'}


class AddressError(ValueError):
    """An address that is refused; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class WebAddress:
    href: str  # WHATWG serialisation: the QR code's content
    host: str  # as browsers send it (ASCII, punycode for IDN)
    host_shown: str  # the same host in Unicode (round-trips to ``host``)
    path: str  # WHATWG pathname, percent-encoded
    query: str  # without the "?", percent-encoded

    @property
    def shown(self) -> str:
        """The printed form: ``https://www.x.se/a/b/?c=1`` → ``x.se/a/b?c=1``

        ``www.`` is left out (the same owner's name, as it always was), the
        scheme and a trailing slash too; the path and query as parsed, with
        non-ASCII letters decoded for reading."""
        shown = self.host_shown
        if shown.startswith('www.') and '.' in shown[4:].rstrip('.'):
            shown = shown[4:]  # www.x.se → x.se, but www.com stays
        shown += _readable(self.path).rstrip('/')
        if self.query:
            shown += '?' + _readable(self.query)
        return shown


def parse(text: str) -> WebAddress:
    """Check ``text`` and parse it; raise :class:`AddressError` if refused."""
    _check_characters(text)
    if text[:len(SCHEME)].lower() != SCHEME:
        if text[:7].lower() == 'http://':
            raise AddressError(
                f'"{_short(text)}" starts with http://; printed addresses '
                'must be secure: write https:// (and check that the site '
                'answers on it)')
        raise AddressError(f'expected a web address starting with https://, '
                           f'found "{_short(text)}"')
    if '\\' in text:
        raise AddressError(
            f'"{_short(text)}" contains a backslash (\\), which browsers read '
            f'as "/"{_goes_to(text)}; write "/" or remove it')
    rest = text[len(SCHEME):]
    authority = rest[:_AUTHORITY_END.search(rest + '/').start()]
    if not authority:
        raise AddressError(f'"{_short(text)}" has no host name after '
                           'https://; write it as https://NAME/PATH')
    if '@' in authority:
        user, _, after = authority.rpartition('@')
        raise AddressError(
            f'"{_short(text)}" contains user information ("{_short(user)}@") '
            f'before the host: browsers go to "{_short(after)}" and the text '
            'before the @ only misleads readers; remove it')
    try:
        parts = ada_url.parse_url(text)
    except ValueError:
        raise AddressError(
            f'"{_short(text)}" is not a web address a browser can open; check '
            f'"{_short(authority)}": a host name of letters, digits, hyphens '
            'and dots, and no port') from None
    host = parts['hostname']
    if parts['host_type'] != ada_url.HostType.DEFAULT:
        raise AddressError(
            f'"{_short(text)}" names an IP address ({host}) instead of a '
            'domain name; write the site\'s name, such as liberalerna.se')
    if parts['port']:
        raise AddressError(
            f'"{_short(text)}" names port {parts["port"]}; printed addresses '
            f'use the usual port (443): remove ":{parts["port"]}" and serve '
            'the page, or a redirect to it, there')
    written = authority.rpartition(':')[0] if ':' in authority else authority
    shown = _host_shown(host)
    if unicodedata.normalize('NFC', written).lower() not in (host, shown):
        raise AddressError(
            f'browsers read the host name "{_short(written)}" as "{shown}"; '
            f'write "{shown}" so that the print and the QR code agree')
    _check_labels(shown)
    if max(len(label) for label in host.split('.')) > 63:
        raise AddressError(f'the host name "{_short(shown)}" has a part '
                           'longer than 63 characters, which no name server '
                           'answers; check the address')
    return WebAddress(parts['href'], host, shown, parts['pathname'],
                      parts['search'].removeprefix('?'))


def problem(text: str) -> str | None:
    """The message for a refused address, or None if it is accepted."""
    try:
        parse(text)
    except AddressError as exc:
        return str(exc)
    return None


def with_query(address: WebAddress, extra: str) -> str:
    """``address``'s href with ``extra`` (``a=b&c=d``) added to its query,
    before any fragment; the host is checked to be unchanged."""
    query = f'{address.query}&{extra}' if address.query else extra
    href = ada_url.replace_url(address.href, search=query)
    if ada_url.parse_url(href, ('hostname',))['hostname'] != address.host:
        raise AddressError(f'adding "{_short(extra)}" to the address would '
                           'change its host; write plain name=value pairs')
    return href


def _check_characters(text: str) -> None:
    for index, char in enumerate(text):
        if unicodedata.category(char)[0] in 'CZ':
            name = _NAMES.get(char) or 'the character "{}"'.format(
                unicodedata.name(char, 'unnamed').lower())
            before = text[max(0, index - 40):index]
            where = (f'after "{"…" * (index > 40)}{before}"' if index
                     else 'at the start')
            raise AddressError(
                f'the address contains {name} (U+{ord(char):04X}) {where}; '
                'browsers drop or encode it, so the print and the QR code '
                'would differ: remove it')


def _host_shown(host: str) -> str:
    """The Unicode form of ``host`` if it round-trips, else AddressError."""
    shown = ada_url.idna_to_unicode(host)
    bad = [label for label in shown.split('.') if label.startswith('xn--')]
    back = ada_url.idna_to_ascii(shown) if not bad else b''
    if bad or back.decode('ascii') != host:
        label = bad[0] if bad else host
        raise AddressError(
            f'the host name part "{label}" is not valid punycode; write the '
            'name in its own letters (such as räddabarnen.se)')
    return shown


def _check_labels(host: str) -> None:
    labels = host.split('.')
    if host.endswith('.'):
        raise AddressError(f'the host name "{host}" ends in a dot; remove it')
    if '' in labels:
        raise AddressError(f'the host name "{host}" has an empty part between '
                           'dots; remove the extra dot')
    for label in labels:
        _check_characters_of(label, host)
        names = _mixed_scripts(label)
        if names:
            raise AddressError(
                f'the host name "{host}" mixes {" and ".join(names)} letters '
                f'in "{label}", the way lookalikes of other addresses are '
                'made; write each part of the name in one alphabet')
        latin = _looks_latin(label, labels[-1])
        if latin:
            raise AddressError(
                f'the host name "{host}" has "{label}" written in '
                f'{_script_of(label)} letters that look like the Latin '
                f'"{latin}": readers would type another address; write the '
                'name in Latin letters')


def _check_characters_of(label: str, host: str) -> None:
    """Beyond ASCII only letters, digits and the marks of scripts that
    need them: no symbols (x.se⁄evil.com is a host under .com), no accent
    added to a Latin letter that has no composed form (i̇ reads as i)."""
    for index, char in enumerate(label):
        if char.isascii():
            continue
        kind = unicodedata.category(char)
        name = unicodedata.name(char, 'unnamed').lower()
        if kind[0] not in 'LMN':
            raise AddressError(
                f'the host name "{host}" contains "{char}" ({name}, '
                f'U+{ord(char):04X}), which readers take for punctuation or '
                'a picture: the address would not be what they read; write '
                'the name in letters, digits and hyphens')
        if kind[0] == 'M' and index and scripts.script(
                label[index - 1]) in ('Latn', 'Zyyy'):
            raise AddressError(
                f'the host name "{host}" puts a {name} (U+{ord(char):04X}) '
                f'on "{label[index - 1]}", which hides it from readers; '
                'write the letter with its accent as one character, or '
                'without it')


def _mixed_scripts(label: str) -> list[str]:
    """The scripts of ``label``'s letters if no one script covers them all
    (UTS 39 resolved script set), else []."""
    common = None
    seen: list[str] = []
    for char in label:
        found = scripts.script_extension(char)
        if found & set(_ANY_SCRIPT):
            continue
        augmented = set().union(*(_AUGMENT.get(s, {s}) for s in found))
        common = augmented if common is None else common & augmented
        seen += [s for s in sorted(found) if s not in seen]
        if not common:
            return [scripts.script_name(s) for s in seen]
    return []


def _script_of(label: str) -> str:
    for char in label:
        script = scripts.script(char)
        if script not in _ANY_SCRIPT:
            return scripts.script_name(script)
    return 'Common'


def _looks_latin(label: str, tld: str) -> str | None:
    """The Latin name a Cyrillic or Greek ``label`` reads as, if it is made
    only of lookalike letters and the top-level domain is not of its own
    script (аре.рф is Russian; аре.se is not), else None."""
    letters = [c for c in label if scripts.script(c) not in _ANY_SCRIPT]
    if not letters:
        return None
    script = scripts.script(letters[0])
    if script not in ('Cyrl', 'Grek') or any(
            scripts.script(c) == script for c in tld):
        return None
    latin = label.translate(_LATIN_LOOKALIKES)
    if any(scripts.script(c) == script for c in latin):
        return None
    return latin


def _readable(part: str) -> str:
    """Decode percent-encoded UTF-8 runs that are printable letters."""
    def decode(match: re.Match) -> str:
        try:
            text = bytes.fromhex(match[0].replace('%', '')).decode('utf-8')
        except UnicodeDecodeError:
            return match[0]
        if any(unicodedata.category(c)[0] in 'CZ' for c in text):
            return match[0]
        return text
    return _ENCODED_RUN.sub(decode, part)


def _goes_to(text: str) -> str:
    try:
        host = ada_url.parse_url(text, ('hostname',))['hostname']
    except ValueError:
        return ''
    return f' (this one opens {_host_shown_or_ascii(host)})'


def _host_shown_or_ascii(host: str) -> str:
    try:
        return _host_shown(host)
    except AddressError:
        return host


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + '…'
