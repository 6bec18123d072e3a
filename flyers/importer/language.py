"""Import: which language a page is written in, when it does not say.

In: the page's text.  Out: a language code and why (for the notes).  An
HTML page's own ``<html lang>`` or ``<meta http-equiv="Content-Language">``
comes first (:mod:`.read_html`); ``--lang`` overrides both.

The guess knows Swedish, English, Finnish and Arabic, the languages of the
campaigns this tool is made for (and names Persian and Sorani, which share
Arabic's script, by their own letters).  It counts two things that every
paragraph has: the script of its letters (Arabic against Latin), then, for
Latin text, the commonest short words of each language (function words:
"och att det", "the and to", "ja on että"), with "å" (Swedish, never
Finnish) to break a tie.

Why not a library: py3langid (maintained, 97 languages) needs NumPy, about
40 MB, for a guess among four languages that the notes report and ``--lang``
corrects; langdetect gives different answers from run to run unless seeded
and is unmaintained since 2021; lingua ships about 100 MB of models.  On a
campaign page — paragraphs, not single words — function words and scripts
tell these languages apart reliably (tests/test_import_language.py).
"""

from __future__ import annotations

import re

STOP_WORDS = {
    'sv': frozenset(
        'och att för det som är på med inte till av om har vi ska den ett '
        'kan vill eller jag du ni oss vår våra vårt mer också när så sig '
        'alla där blir mot under efter hur'.split()),
    'en': frozenset(
        'the and to of is in for that we with on are it this be our will '
        'you as by at or not can have more from all where when how '
        'which'.split()),
    'fi': frozenset(
        'ja on ei että se hän oli ovat olla kun mutta tai myös tämä ne niin '
        'jos kuin vain joka jotka sekä mitä me meidän te he sen siitä ole '
        'voi kanssa jotta kaikki koska nyt eli haluamme'.split()),
}
NAMES = {'sv': 'Swedish', 'en': 'English', 'fi': 'Finnish'}
# The Arabic script's blocks (letters, supplement, extended, presentation
# forms).
_ARABIC_SCRIPT = re.compile('[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff'
                            '\ufb50-\ufdff\ufe70-\ufeff]')
# Letters one language of the script uses and the others do not (or
# hardly): Arabic's taa marbuta, yaa and kaf; Persian's peh, tcheh, zheh,
# gaf, its own kaf and yeh; Sorani's vowels and rolled consonants.
_OWN_LETTERS = {
    'ar': 'ةيك',
    'fa': 'پچژگکی',
    'ckb': 'ێۆڕڵەڤ',
}
_SCRIPT_NAMES = {'ar': 'Arabic', 'fa': 'Persian', 'ckb': 'Sorani'}
_WORD_RE = re.compile(r'[^\W\d_]+')


def guess_language(text: str) -> tuple[str, str]:
    """A language code for the text, and why."""
    letters = [c for c in text if c.isalpha()]
    arabic = sum(1 for c in letters if _ARABIC_SCRIPT.match(c))
    if letters and arabic * 2 > len(letters):
        return _arabic_script(text, arabic, len(letters))
    words = _WORD_RE.findall(text.lower())
    counts = {code: sum(w in stop for w in words)
              for code, stop in STOP_WORDS.items()}
    ranked = sorted(counts, key=lambda code: -counts[code])
    best, second, third = ranked
    if counts[best] == counts[second]:
        if 'sv' in (best, second) and 'å' in text.lower():
            other = second if best == 'sv' else best
            return 'sv', (f'as many Swedish words as {NAMES[other]} ones, '
                          f'{counts[best]}, and the letter å')
        return 'en', 'could not tell; assumed English'
    return best, (f'more {NAMES[best]} words than {NAMES[second]} or '
                  f'{NAMES[third]} ones, {counts[best]} to '
                  f'{counts[second]} and {counts[third]}')


def _arabic_script(text: str, arabic: int, letters: int) -> tuple[str, str]:
    own = {code: sum(text.count(c) for c in chars)
           for code, chars in _OWN_LETTERS.items()}
    # Sorani writes Persian's kaf and yeh too: its own vowels decide.
    if own['ckb'] * 50 > arabic:
        code = 'ckb'
    elif own['fa'] > own['ar']:
        code = 'fa'
    else:
        code = 'ar'
    name = _SCRIPT_NAMES[code]
    return code, (f'{arabic} of its {letters} letters are of the Arabic '
                  f'script, and {own[code]} of them '
                  f'{"is" if own[code] == 1 else "are"} {name}\'s own '
                  f'({", ".join(_OWN_LETTERS[code])})')


def is_confident(text: str, code: str) -> bool:
    """Whether the text so clearly is in ``code``'s script or language
    that a page declaring another language is worth a note."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    arabic = sum(1 for c in letters if _ARABIC_SCRIPT.match(c))
    if code in _OWN_LETTERS:
        return arabic * 5 > len(letters) * 4
    words = _WORD_RE.findall(text.lower())
    counts = {c: sum(w in stop for w in words)
              for c, stop in STOP_WORDS.items()}
    best = counts.get(code, 0)
    return arabic == 0 and best >= 5 and all(
        best >= 3 * n for c, n in counts.items() if c != code)
