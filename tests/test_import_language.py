"""Import: the page's language (declared or guessed) and right-to-left
pages, from small local pages (tests/fixtures/pages/ and inline)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES

from flyers.content import load_campaign, texts
from flyers.importer import import_page
from flyers.importer.language import guess_language

PAGES = FIXTURES / 'pages'


def imported(text: str, tmp_path, source: str = 'page.txt', **kwargs):
    result = import_page(text, source=source, **kwargs)
    path = tmp_path / 'page.yaml'
    path.write_text(result.yaml_text, encoding='utf-8')
    return result, load_campaign(path)


SV = ('Vi vill att alla ska kunna känna sig trygga i Västerås. Det är '
      'därför vi satsar på skolan och på fler vuxna ute på kvällarna.')
EN = ('We want everyone to feel safe in the city. That is why we will '
      'invest in schools and in more adults out in the evenings.')
FI = ('Haluamme, että kaikki voivat tuntea olonsa turvalliseksi. Siksi '
      'panostamme kouluihin ja siihen, että aikuiset ovat läsnä.')
AR = 'نريد أن يشعر الجميع بالأمان في المدينة، ولذلك نستثمر في المدارس.'
FA = 'ما می‌خواهیم همه در شهر احساس امنیت کنند، پس در مدرسه‌ها سرمایه‌گذاری می‌کنیم.'
CKB = 'ئێمە دەمانەوێت هەموو کەسێک لە شارەکەدا هەست بە ئاسایش بکات.'


@pytest.mark.parametrize('text, code, why', [
    (SV, 'sv', 'more Swedish words than English or Finnish ones, 13 to 0 '
               'and 0'),
    (EN, 'en', 'more English words than Swedish or Finnish ones, 14 to 0 '
               'and 0'),
    (FI, 'fi', 'more Finnish words than Swedish or English ones, 6 to 0 '
               'and 0'),
    (AR, 'ar', '52 of its 52 letters are of the Arabic script, and 8 of '
               'them are Arabic\'s own (ة, ي, ك)'),
    (FA, 'fa', '60 of its 60 letters are of the Arabic script, and 11 of '
               'them are Persian\'s own (پ, چ, ژ, گ, ک, ی)'),
    (CKB, 'ckb', '49 of its 49 letters are of the Arabic script, and 13 of '
                 'them are Sorani\'s own (ێ, ۆ, ڕ, ڵ, ە, ڤ)'),
    # Latin words inside Arabic text do not make it Latin.
    ('حزب Liberalerna يعمل من أجل فيستروس أكثر أمانًا', 'ar',
     '28 of its 39 letters are of the Arabic script, and 3 of them are '
     'Arabic\'s own (ة, ي, ك)'),
    # A tie between Swedish and Finnish words: å is Swedish.
    ('Någon på ja', 'sv', 'as many Swedish words as Finnish ones, 1, and '
                          'the letter å'),
    ('på ja', 'sv', 'as many Swedish words as Finnish ones, 1, and the '
                    'letter å'),
    ('och ja', 'en', 'could not tell; assumed English'),
    ('Kalle Anka', 'en', 'could not tell; assumed English'),
    ('', 'en', 'could not tell; assumed English'),
])
def test_the_language_is_guessed_from_words_and_script(text, code, why):
    assert guess_language(text) == (code, why)


@pytest.mark.parametrize('page, code, note', [
    ('fi-turvallisuus.txt', 'fi', 'language: fi (more Finnish words than '
     'English or Swedish ones, 14 to 2 and 0); change `language` if that is '
     'wrong'),
    ('ar-trygghet.md', 'ar', 'language: ar (172 of its 185 letters are of '
     'the Arabic script, and 17 of them are Arabic\'s own (ة, ي, ك)); change '
     '`language` if that is wrong'),
])
def test_pages_without_a_declared_language(page, code, note, tmp_path):
    result, campaign = imported((PAGES / page).read_text('utf-8'), tmp_path,
                                source=page)
    assert campaign.language == code
    assert note in result.notes


def test_a_right_to_left_page_keeps_its_text_in_reading_order(tmp_path):
    page = PAGES / 'ar-trygghet-rtl.html'
    result, campaign = imported(page.read_text('utf-8'), tmp_path,
                                source=page.name)
    assert campaign.language == 'ar'
    # Logical order, as typed: the Latin name and the numbers where they
    # were, the direction mark gone.
    assert campaign.intro == (
        'الأمان شرط أساسي لحياة حرة. نريد العمل مع المدارس والجمعيات في حي '
        'بيكبي منذ عام 2026.',
        'حزب Liberalerna يعمل من أجل فيستروس أكثر أمانًا – للجميع.')
    assert campaign.proposals.items[1].text == ('300 مصباح جديد في الممرات '
                                                'والحدائق.')
    assert [q.question for q in campaign.faq.items] == [
        'لماذا بيكبي؟', 'كيف يمكنني المساعدة؟']
    assert result.notes[:3] == (
        'line 11: title (the page\'s h1)',
        'line 12: intro: 2 paragraphs before the first heading',
        'line 13: 1 direction mark (U+200F) removed; the text is kept in '
        'reading order and the layouts set its direction from `language`')
    assert ('read: the page is set right to left (dir="rtl"); its text is '
            'kept in reading order, and the layouts set the direction from '
            '`language`') in result.notes
    assert 'language: ar (the page\'s lang attribute)' in result.notes


def test_direction_overrides_are_removed_and_noted(tmp_path):
    # U+202E (right-to-left override) and friends would print nothing and
    # reorder what is shown: "Trojan Source" text.
    page = ('Trygghet\n\nVi vill ha \u202eäkert\u202c fler \u2067vuxna'
            '\u2069 ute och \u200eså är det.\n')
    result, campaign = imported(page, tmp_path)
    assert campaign.intro == ('Vi vill ha äkert fler vuxna ute och så är '
                              'det.',)
    assert ('line 3: 5 direction marks (U+200E, U+202C, U+202E, U+2067, '
            'U+2069) removed; the text is kept in reading order and the '
            'layouts set its direction from `language`') in result.notes
    kept = ''.join(value for _, value in texts(campaign))
    assert not any('\u200e' <= c <= '\u200f' or '\u202a' <= c <= '\u202e'
                   or '\u2066' <= c <= '\u2069' for c in kept)


def test_arabic_questions_end_in_the_arabic_question_mark(tmp_path):
    page = ('# الأمان\n\nنريد حيًا آمنًا للجميع.\n\n## أسئلة شائعة\n\n'
            '**لماذا بيكبي؟**\n\nلأن الحي يواجه تحديات خاصة.\n\n'
            '**ماذا تريدون؟**\n\nالمزيد من الكبار في الشوارع.\n')
    result, campaign = imported(page, tmp_path, source='page.md')
    assert [(q.question, q.answer) for q in campaign.faq.items] == [
        ('لماذا بيكبي؟', 'لأن الحي يواجه تحديات خاصة.'),
        ('ماذا تريدون؟', 'المزيد من الكبار في الشوارع.')]
    # No imprint on the page: the Arabic placeholder keeps it a draft.
    assert campaign.imprint == 'الناشر المسؤول: [الاسم مفقود]'
    assert campaign.status == 'draft'


HEAD = '<html{lang}><head><meta http-equiv="Content-Language" content="{cl}">'
FINNISH_BODY = ('<title>Turvallisuus</title></head><body><h1>Turvallisuus'
                '</h1><p>Turvallisuus on perusedellytys sille, että ihmiset '
                'voivat elää vapaasti ja luottaa toisiinsa.</p></body></html>')


@pytest.mark.parametrize('lang, content_language, code, note', [
    ('', 'fi, sv', 'fi', 'language: fi (the page\'s Content-Language)'),
    (' lang="sv"', 'fi', 'sv', 'language: sv (the page\'s lang attribute)'),
    ('', 'suomi kieli', 'fi', 'language: the page\'s Content-Language='
     '"suomi kieli" is not a language code; guessed instead'),
])
def test_content_language_when_the_page_has_no_lang(lang, content_language,
                                                    code, note, tmp_path):
    page = HEAD.format(lang=lang, cl=content_language) + FINNISH_BODY
    result, campaign = imported(page, tmp_path, source='page.html')
    assert campaign.language == code
    assert note in result.notes


def test_a_declared_language_the_text_contradicts_is_noted(tmp_path):
    # A CMS that says lang="en" on every page, also on its Arabic ones.
    page = ('<html lang="en"><body><h1>الأمان في بيكبي</h1><p>نريد أن يشعر '
            'الجميع بالأمان في المدينة، ولذلك نستثمر في المدارس.</p></body>'
            '</html>')
    result, campaign = imported(page, tmp_path, source='page.html')
    assert campaign.language == 'en'  # what the page says, noted
    assert ('language: the page says en, but its text looks like ar (65 of '
            'its 65 letters are of the Arabic script, and 12 of them are '
            'Arabic\'s own (ة, ي, ك)); change `language` to ar if the page '
            'is wrong') in result.notes
