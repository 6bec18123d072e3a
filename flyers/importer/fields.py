"""Stage 3 of import: the page's blocks → the content file's fields.

In: the blocks of :class:`~.classify.Structure`, each of a kind.  Out: the
campaign as a plain dict (:meth:`Fields.assemble`) in the order of the
content file: intro, sections, proposals, FAQ, further reading, call to
action, imprint.  Several lists of one kind are merged; text that fits no
field is kept as a paragraph of the section it stood in, and noted.
"""

from __future__ import annotations

from .classify import Structure
from .common import (CTA_MAX, CTA_WORDS, HEADING_MAX, LINK_RE, LINK_TEXT_MAX,
                     PROPOSAL_TITLE_MAX, QR_TRACKING, TEXT_MAX, Block,
                     Context, Element, proposal_parts, quoted, split_long)
from .inline import Inline


class Fields:
    """The fields of one campaign, filled block by block."""

    def __init__(self, ctx: Context, inline: Inline, structure: Structure):
        self.ctx = ctx
        self.inline = inline
        self.structure = structure
        self.orphans = structure.orphans
        self.intro: list[tuple[int, str]] = []
        self.sections: list[dict] = []
        self.props: list[dict] = []
        self.faqs: list[dict] = []
        self.reads: list[dict] = []
        self.cta: list[tuple[int, str]] = []

    def build(self, blocks: list[Block]):
        last = len(blocks) - 1
        for index, block in enumerate(blocks):
            kind = self.structure.kind(block)
            is_last = index == last
            if kind == 'proposals':
                self._build_proposals(block, is_last)
            elif kind == 'faq':
                self._build_faq(block, is_last)
            elif kind == 'reading':
                self._build_reading(block, is_last)
            else:
                self._build_section(block, is_last)
        self._merge()

    def _heading(self, block: Block) -> str:
        return self.inline(block.heading.text, block.heading.line,
                           bold=False)

    def _para(self, el: Element, where: str) -> tuple[int, str]:
        """A paragraph from any element, noting what was not one."""
        text = self.inline(el.text, el.line)
        if el.kind == 'item':
            self.ctx.note(el.line, f'list item {quoted(text)} kept as a '
                          f'paragraph {where}')
        elif el.kind == 'question':
            self.ctx.note(el.line, f'question {quoted(text)} kept as a '
                          f'paragraph {where}')
        elif el.kind == 'ptitle':
            self.ctx.note(el.line, f'heading {quoted(text)} kept as a '
                          f'paragraph {where}')
        elif text.startswith('|') or text.startswith('<'):
            self.ctx.note(el.line, f'{quoted(text)} (a table or markup?) kept '
                          f'as a paragraph {where}')
        return el.line, text

    def _lead_section(self, block: Block, lead: list[tuple[int, str]],
                      what: str) -> bool:
        """Text between a heading and its proposals or questions."""
        if not lead:
            return False
        if block.heading is None:
            self.intro.extend(lead)
            return False
        heading = self._heading(block)
        self.sections.append({'line': block.heading.line, 'heading': heading,
                              'paragraphs': lead})
        self.ctx.note(block.heading.line, f'section {quoted(heading)} holds '
                      f'the text before the {what}; the {what} below it have '
                      'no heading of their own')
        return True

    def _build_proposals(self, block: Block, is_last: bool):
        lead: list[tuple[int, str]] = []
        items: list[dict] = []
        for el in block.content:
            parts = proposal_parts(el.text) if el.kind == 'item' else None
            if parts and not self.inline(parts[0], el.line, quiet=True):
                parts = None
            plain = self.inline(el.text, el.line, bold=False, quiet=True)
            if el.kind == 'ptitle':
                items.append({'line': el.line, 'paras': [], 'title':
                              self.inline(el.text, el.line, bold=False)})
            elif parts:
                title, rest = parts
                item = {'line': el.line, 'paras': [],
                        'title': self.inline(title, el.line, bold=False)}
                if rest:
                    item['paras'].append((el.line, self.inline(rest,
                                                               el.line)))
                items.append(item)
            elif (el.kind == 'item' and el.indent == 0
                  and not LINK_RE.search(el.text)
                  and len(plain) <= PROPOSAL_TITLE_MAX):
                items.append({'line': el.line, 'paras': [], 'title': plain,
                              'plain': True})
                self.ctx.note(el.line, f'proposal {quoted(plain)} (a list '
                              'item in the list of proposals)')
            elif items:
                title = quoted(items[-1]['title'])
                items[-1]['paras'].append(self._para(
                    el, f'in the text of proposal {title}'))
            else:
                lead.append(self._para(el, 'before the proposals'))
        heading = None if block.heading is None else self._heading(block)
        if self._lead_section(block, lead, 'proposals'):
            heading = None
        if not items:
            return
        # After a tight list of plain items ("- Fler poliser" lines one
        # under the other) a paragraph is no proposal's text; otherwise
        # the first paragraph after a proposal is its text.
        last, others = items[-1], items[:-1]
        own = 0 if (last.get('plain') and others and all(
            o.get('plain') and not o['paras'] for o in others)) else 1
        extra = last['paras'][own:]
        if extra and is_last:
            del last['paras'][own:]
            self.cta.extend(extra)
            self.ctx.note(extra[0][0], 'call to action (the last paragraph, '
                          'after the proposals)')
        elif extra and not own:
            del last['paras'][own:]
            self.orphans.extend((line, text, 'a paragraph after the list '
                                 'of proposals') for line, text in extra)
        for item in items:
            if len(item['paras']) > 1:
                self.ctx.note(item['paras'][1][0], f'{len(item["paras"])} '
                              'paragraphs joined into the text of proposal '
                              f'{quoted(item["title"])}')
        where = block.heading.line if block.heading else items[0]['line']
        how = block.group_note or (
            'a list under a heading about proposals'
            if all(i.get('plain') for i in items)
            else 'a list with a title in bold')
        self.ctx.note(where, f'proposals {quoted(heading or "(no heading)")}: '
                      f'{len(items)} proposal{"s" if len(items) != 1 else ""} '
                      f'({how})')
        self.props.append({'line': where, 'heading': heading, 'items': items})

    def _build_faq(self, block: Block, is_last: bool):
        lead: list[tuple[int, str]] = []
        items: list[dict] = []
        for el in block.content:
            if el.kind == 'question':
                items.append({'line': el.line, 'paras': [], 'how': el.how,
                              'question': self.inline(el.text, el.line,
                                                      bold=False)})
            elif items:
                items[-1]['paras'].append(self._para(
                    el, f'in the answer to {quoted(items[-1]["question"])}'))
            else:
                lead.append(self._para(el, 'before the questions'))
        answered = []
        for item in items:
            if item['paras']:
                answered.append(item)
                continue
            # A question without an answer stays text, next to its
            # neighbours.
            pair = (item['line'], item['question'])
            if answered:
                answered[-1]['paras'].append(pair)
            else:
                lead.append(pair)
            self.ctx.note(item['line'], f'question {quoted(item["question"])} '
                          'has no answer; kept as a paragraph')
        items = answered
        heading = self._heading(block)
        if self._lead_section(block, lead, 'questions'):
            heading = None
        if not items:
            return
        tail = items[-1]['paras']
        if (is_last and len(tail) > 1 and len(tail[-1][1]) <= CTA_MAX
                and CTA_WORDS.search(tail[-1][1])):
            self.cta.append(tail.pop())
            self.ctx.note(self.cta[-1][0], 'call to action (the last '
                                       'paragraph, '
                          'after the last answer, asks the reader to act)')
        for item in items:
            if len(item['paras']) > 1:
                self.ctx.note(item['paras'][1][0], f'{len(item["paras"])} '
                              'paragraphs joined into the answer to '
                              f'{quoted(item["question"])}')
        self.ctx.note(block.heading.line, 'questions '
                      f'{quoted(heading or "")}: {len(items)} '
                      f'question{"s" if len(items) != 1 else ""} '
                      f'({items[0]["how"]}, each followed by its answer)')
        self.faqs.append({'line': block.heading.line, 'heading': heading,
                          'items': items})

    def _build_reading(self, block: Block, is_last: bool):
        before: list[tuple[int, str]] = []
        links: list[tuple[int, str, str | None]] = []
        after: list[tuple[int, str]] = []
        heading = self._heading(block)
        for el in block.content:
            if el.kind == 'item':
                link = self._link(el)
                if link is not None:
                    links.append(link)
            elif links:
                after.append(self._para(el, 'after the links'))
            else:
                before.append(self._para(el, 'before the links'))
        if len(before) > 1:
            self.ctx.note(before[1][0], f'{len(before)} paragraphs joined '
                                    'into '
                          'the introduction of the links')
        if after and is_last:
            self.cta.extend(after)
            self.ctx.note(after[0][0], 'call to action (the last paragraph, '
                          'after the links)')
        else:
            for line, text in after:
                self.orphans.append((line, text, 'a paragraph after the '
                                     'links'))
        if not links:
            if before:
                self.sections.append({'line': block.heading.line,
                                      'heading': heading,
                                      'paragraphs': before})
            else:
                self.orphans.append((block.heading.line, heading,
                                     'a heading with no text after it'))
            return
        lead = 'an introduction and ' if before else ''
        self.ctx.note(block.heading.line, 'further reading '
                      f'{quoted(heading)}: {lead}{len(links)} '
                      f'link{"s" if len(links) != 1 else ""} (a list with '
                      'links)')
        self.reads.append({'line': block.heading.line, 'heading': heading,
                           'intro': before, 'links': links})

    def _link(self, el: Element) -> tuple[int, str, str | None] | None:
        found = LINK_RE.findall(el.text)
        words = LINK_RE.sub(lambda m: m[1] or m[2], el.text)
        text = self.inline(words, el.line, bold=False)
        if not found:
            self.ctx.note(el.line, f'link {quoted(text)} has no address; kept '
                          'as a plain item')
            return el.line, text, None
        if len(found) > 1:
            self.ctx.note(el.line, f'link {quoted(text)} has {len(found)} '
                          'addresses; only the first is kept')
        url = self.inline.address(found[0][1], el.line, text)
        if len(text) > LINK_TEXT_MAX:
            self.orphans.append((el.line, text, 'a link whose text is too '
                                 f'long for a link ({url or "no address"})'))
            return None
        return el.line, text, url


    def _build_section(self, block: Block, is_last: bool):
        if block.heading is None:
            where = 'in the intro'
            paras = [self._para(el, where) for el in block.content]
        else:
            heading = self._heading(block)
            paras = [self._para(el, f'in section {quoted(heading)}')
                     for el in block.content]
        if (is_last and len(paras) > 1 and len(paras[-1][1]) <= CTA_MAX
                and CTA_WORDS.search(paras[-1][1])):
            self.cta.append(paras.pop())
            self.ctx.note(self.cta[-1][0], 'call to action (the last '
                                       'paragraph '
                          'of the page asks the reader to act)')
        if block.heading is None:
            if paras:
                self.intro.extend(paras)
                self.ctx.note(paras[0][0], f'intro: {len(paras)} paragraph'
                              f'{"s" if len(paras) != 1 else ""} before the '
                              'first heading')
            return
        self.sections.append({'line': block.heading.line, 'heading': heading,
                              'paragraphs': paras})
        self.ctx.note(block.heading.line, f'section {quoted(heading)} '
                      f'({block.heading.how}, followed by {len(paras)} '
                      f'paragraph{"s" if len(paras) != 1 else ""})')

    # --- several lists of one kind, text that found no place ---

    def _merge(self):
        for name, what in (('props', 'proposals'), ('faqs', 'questions'),
                           ('reads', 'links')):
            groups = getattr(self, name)
            if len(groups) < 2:
                continue
            first = groups[0]
            headings = [g['heading'] for g in groups if g['heading']]
            joined = ' / '.join(headings)
            if headings and len(joined) > HEADING_MAX:
                joined = headings[0]
                for group in groups:
                    if group['heading'] and group['heading'] != joined:
                        self.orphans.append((group['line'], group['heading'],
                                             f'the heading of more {what}'))
            first['heading'] = joined or None
            for group in groups[1:]:
                self.ctx.note(group['line'], f'more {what} '
                              f'{quoted(group["heading"] or "(no heading)")}: '
                              f'merged with the {what} on line {first["line"]}'
                              + (f' under the heading {quoted(joined)}'
                             if joined else ''))
                first['items' if name != 'reads' else 'links'] += group[
                    'items' if name != 'reads' else 'links']
                if name == 'reads':
                    first['intro'] += group['intro']
            del groups[1:]

    def place_orphans(self):
        for line, text, why in sorted(self.orphans, key=lambda o: o[0]):
            home = None
            for section in self.sections:
                if section['line'] < line and (home is None or
                                               section['line'] > home['line']):
                    home = section
            if home is not None:
                home['paragraphs'].append((line, text))
                place = f'section {quoted(home["heading"])}'
            else:
                self.intro.append((line, text))
                place = 'the intro'
            self.ctx.note(line, f'{quoted(text)} ({why}) kept as a paragraph '
                          f'of {place}')
        self.orphans.clear()

    # --- the content file ---

    def assemble(self, language, url, title, subtitle, imprint) -> dict:
        data: dict = {'status': 'draft', 'language': language, 'url': url,
                      'title': title}
        if subtitle:
            data['subtitle'] = subtitle
        overflow: list[tuple[int, str]] = []

        def single(parts: list[tuple[int, str]], what: str) -> str | None:
            text = ' '.join(t for _, t in parts if t)
            if not text:
                return None
            chunks = split_long(text)
            for chunk in chunks[1:]:
                overflow.append((parts[0][0], chunk))
            if len(chunks) > 1:
                self.ctx.note(parts[0][0], f'{what} is longer than {TEXT_MAX} '
                              'characters; the rest is kept as paragraphs')
            return chunks[0]

        def paragraphs(parts):
            return [c for _, t in parts if t for c in split_long(t)]

        proposals = faq = reading = None
        if self.props and self.props[0]['items']:
            group = self.props[0]
            proposals = {}
            if group['heading']:
                proposals['heading'] = group['heading']
            proposals['items'] = []
            for item in group['items']:
                entry = {'title': item['title']}
                text = single(item['paras'],
                              f'proposal {quoted(item["title"])}')
                if text:
                    entry['text'] = text
                proposals['items'].append(entry)
        if self.faqs and self.faqs[0]['items']:
            group = self.faqs[0]
            faq = {}
            if group['heading']:
                faq['heading'] = group['heading']
            faq['items'] = [{'question': item['question'],
                             'answer': single(item['paras'], 'the answer to '
                                              + quoted(item['question']))}
                            for item in group['items']]
        if self.reads:
            group = self.reads[0]
            reading = {}
            if group['heading']:
                reading['heading'] = group['heading']
            intro = single(group['intro'], 'the introduction of the links')
            if intro:
                reading['intro'] = intro
            reading['links'] = []
            for _, text, link_url in group['links']:
                link = {'text': text}
                if link_url is not None:
                    link['url'] = link_url
                reading['links'].append(link)
        cta = single(self.cta, 'the call to action') if self.cta else None
        if overflow:
            self.orphans.extend((line, text, 'the rest of a long text')
                                for line, text in overflow)
            self.place_orphans()
        intro = paragraphs(self.intro)
        if intro:
            data['intro'] = intro
        sections = [{'heading': s['heading'],
                     'paragraphs': paragraphs(s['paragraphs'])}
                    for s in self.sections]
        if sections:
            data['sections'] = sections
        if proposals:
            data['proposals'] = proposals
        if faq:
            data['faq'] = faq
        if reading:
            data['further_reading'] = reading
        if cta:
            data['call_to_action'] = cta
        data['imprint'] = imprint
        data['qr_tracking'] = dict(QR_TRACKING)
        return data
