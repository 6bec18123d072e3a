"""Stage 2 of import: which element is the title, a heading, a question,
a proposal — the page's structure.

In: the elements of one page (from a reader) and what the page says about
itself.  Out: the title, subtitle and imprint taken out of the elements, and
the rest grouped into :class:`~.common.Block` s (a heading and what follows
it), each of a kind: 'intro', 'section', 'proposals', 'faq' or 'reading'
(:meth:`Structure.kind`).  Headings with nothing under them are handed on
as ``orphans`` for :mod:`.fields` to keep as paragraphs.
"""

from __future__ import annotations

from .common import (BOLD_LINE_RE, FAQ_WORDS, HEADING_MAX, IMPRINT_MAX,
                     IMPRINT_RE, ITALIC_LINE_RE, LINK_RE, PROPOSAL_TITLE_MAX,
                     PROPOSALS_WORDS, QUESTION_MAX, READING_WORDS,
                     SUBTITLE_MAX, TITLE_MAX, Block, Context, Element, Page,
                     bare_proposal, ends_question, heading_like,
                     proposal_parts, quoted)
from .inline import Inline


class Structure:
    """The structure of one page; ``orphans`` collects what has no place."""

    def __init__(self, ctx: Context, inline: Inline):
        self.ctx = ctx
        self.inline = inline
        self.orphans: list[tuple[int, str, str]] = []

    # --- title, subtitle, imprint ---

    def take_title(self, els: list[Element], page: Page):
        before: list[Element] = []
        h1 = next((i for i, e in enumerate(els)
                   if e.kind == 'heading' and e.level == 1), None)
        # A few lines above the '#' title are page furniture (breadcrumbs,
        # a date); a '#' line deep in the page is not its title.
        # In HTML the h1 is the page's heading wherever it stands.
        if h1 is not None and (h1 <= 3 or page.kind == 'html'):
            before, title_el, body = els[:h1], els[h1], els[h1 + 1:]
            why = ("the page's h1" if page.kind == 'html'
                   else "the first '#' heading")
        elif self.page_title(page):
            self.ctx.note(page.title_line, "title (the page's <title>; the "
                          'page has no h1)')
            return self.page_title(page), list(els), []
        else:
            first, body = els[0], els[1:]
            if first.kind == 'item':
                self.ctx.fail('found no title: the page starts with a list '
                              'item, not a title; put the page\'s title on a '
                              'line of its own at the top', first.line, 1)
            if first.kind == 'para' and len(first.parts) > 1:
                (number, text), rest = first.parts[0], first.parts[1:]
                body = [Element('para',
                                ' '.join(t for _, t in rest), rest[0][0],
                                parts=rest)] + body
                first = Element('para', text, number, parts=[(number, text)])
            title_el = first
            why = ('the first heading' if first.kind == 'heading'
                   else 'the first line')
        title = self.inline(title_el.text, title_el.line, bold=False)
        if not title:
            self.ctx.fail('found no title: the first line holds no words',
                          title_el.line, 1)
        if len(title) > TITLE_MAX and self.page_title(page):
            self.ctx.note(title_el.line, f'the h1 {quoted(title)} is longer '
                          f'than a title may be ({TITLE_MAX} characters); '
                          "took the page's <title> and kept the h1 as "
                          'a paragraph')
            title_el.kind = 'para'
            return self.page_title(page), els, []
        if len(title) > TITLE_MAX:
            self.ctx.fail(f'found no title: line {title_el.line} is '
                          f'{len(title)} characters long, and a title may be '
                          f'at most {TITLE_MAX}; put the page\'s title on a '
                          'line of its own at the top', title_el.line, 1)
        self.ctx.note(title_el.line, f'title ({why})')
        for el in before:
            el.kind = 'para'
        return title, body, before

    def page_title(self, page: Page) -> str | None:
        """An HTML page's <title>, if it can be the campaign's title."""
        if not page.title:
            return None
        title = self.inline(page.title, page.title_line, bold=False,
                            quiet=True)
        return title if 0 < len(title) <= TITLE_MAX else None

    def take_subtitle(self, body: list[Element]) -> str | None:
        if not body:
            return None
        first = body[0]
        text = why = None
        alone = len(body) == 1 or body[1].kind != 'item'
        if (first.kind == 'item' and alone and first.indent == 0
                and not proposal_parts(first.text)
                and not LINK_RE.search(first.text)):
            marker = first.marker
            if marker in ('-', '–', '—'):
                text, why = first.text, f"a line starting with '{marker} '"
        elif first.kind == 'para' and first.nlines == 1:
            m = ITALIC_LINE_RE.fullmatch(first.text)
            plain = self.inline(first.text, first.line, bold=False,
                                quiet=True)
            if m:
                text, why = m[1] or m[2], 'a line in italics'
            elif (len(body) > 1 and heading_like(plain)
                  and body[1].kind == 'para'
                  and not ends_question(body[1].text.rstrip('*_ '))
                  and not any(e.kind == 'heading' for e in body)):
                # In plain text a short line under the title is a tagline
                # far more often than a section with no intro above it.
                text, why = first.text, 'a short line'
        if text is None:
            return None
        subtitle = self.inline(text, first.line, bold=False)
        if not subtitle or len(subtitle) > SUBTITLE_MAX:
            return None
        body.pop(0)
        self.ctx.note(first.line, f'subtitle ({why} right after the title)')
        return subtitle

    def take_imprint(self, body: list[Element]) -> str | None:
        for index, el in enumerate(body):
            if el.kind != 'para':
                continue
            plain = self.inline(el.text, el.line, bold=False, quiet=True)
            m = IMPRINT_RE.match(plain)
            # "Published by the council in 2023, the report …" in running
            # text is no imprint: an imprint is labelled or ends the page.
            if (m and len(plain) <= IMPRINT_MAX
                    and (plain[m.end():].lstrip()[:1] == ':'
                         or index >= len(body) - 2)):
                del body[index]
                self.ctx.note(el.line, f'imprint {quoted(plain)} (a line '
                              'naming who publishes the page; taken out of '
                              'the text)')
                return self.inline(el.text, el.line, bold=False)
        return None

    def drop_empty(self, body: list[Element]) -> list[Element]:
        kept = []
        for el in body:
            if self.inline(el.text, el.line, bold=False, quiet=True):
                kept.append(el)
            else:
                self.inline(el.text, el.line, bold=False)
                self.ctx.note(el.line, 'nothing left to print after removing '
                              'the markup; left out')
        return kept

    # --- which paragraphs are headings or questions ---

    def classify(self, body: list[Element]):
        plain_headings = not any(e.kind == 'heading' for e in body)
        for index, el in enumerate(body):
            if el.kind == 'heading':
                plain = self.inline(el.text, el.line, bold=False, quiet=True)
                if len(plain) > HEADING_MAX:
                    el.kind = 'para'
                    self.ctx.note(el.line, f'heading {quoted(plain)} is '
                                  f'longer than {HEADING_MAX} characters; '
                                  'kept as a paragraph')
                continue
            if el.kind != 'para' or el.nlines > 1:
                continue
            prev = body[index - 1] if index else None
            nxt = body[index + 1] if index + 1 < len(body) else None
            # What follows a question or a bare proposal title is its
            # answer or text, however short.
            if prev is not None and (prev.kind == 'question'
                                     or bare_proposal(prev)):
                continue
            if nxt is None or nxt.kind == 'heading':
                continue
            bold = BOLD_LINE_RE.fullmatch(el.text)
            inner = bold[2] if bold else el.text
            plain = self.inline(inner, el.line, bold=False, quiet=True)
            if ends_question(plain) and len(plain) <= QUESTION_MAX:
                el.kind = 'question'
                el.how = 'a line in bold ending in ?' if bold else \
                    'a line ending in ?'
            elif (bold or plain_headings) and heading_like(plain):
                el.kind, el.text = 'heading', inner
                el.level = 7 if bold else 2
                el.how = ('a line in bold' if bold else
                          'a short line without final punctuation')

    # --- elements → blocks ---

    def blocks(self, body: list[Element]) -> list[Block]:
        blocks = [Block(None, [])]
        for el in body:
            current = blocks[-1]
            if el.kind == 'heading':
                plain = self.inline(el.text, el.line, bold=False, quiet=True)
                head = current.heading
                if (ends_question(plain) and len(plain) <= QUESTION_MAX
                        and head is not None
                        and (el.level > head.level or (
                            el.level == head.level and (
                                FAQ_WORDS.search(head.text) or any(
                                    e.kind == 'question'
                                    for e in current.content))))):
                    el.kind, el.how = 'question', f'{el.how} ending in ?'
                    current.content.append(el)
                else:
                    blocks.append(Block(el, []))
            elif (el.kind == 'question'
                  and any(e.kind == 'item' for e in current.content)):
                # A question after a list of proposals or links ends that
                # list: it heads what follows.
                el.kind = 'heading'
                el.level = current.heading.level if current.heading else 2
                blocks.append(Block(el, []))
            else:
                current.content.append(el)
        blocks = self._group_proposals(blocks)
        return self._fix_empty_headings(blocks)

    def _group_proposals(self, blocks: list[Block]) -> list[Block]:
        """A proposals heading whose sub-headings are the proposals."""
        out: list[Block] = []
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            out.append(block)
            head = block.heading
            if (head is None or not PROPOSALS_WORDS.search(head.text)
                    or any(e.kind != 'para' for e in block.content)):
                continue
            children = []
            while index < len(blocks):
                child = blocks[index]
                title = self.inline(child.heading.text, child.heading.line,
                                    bold=False, quiet=True)
                if (child.heading.level <= head.level
                        or len(title) > PROPOSAL_TITLE_MAX
                        or any(e.kind != 'para' for e in child.content)):
                    break
                children.append(child)
                index += 1
            for child in children:
                block.content.append(Element('ptitle', child.heading.text,
                                             child.heading.line))
                block.content.extend(child.content)
            if children:
                how = children[0].heading.how.removeprefix('a ')
                block.group_note = f'each {how} below it is a proposal'
        return out

    def _fix_empty_headings(self, blocks: list[Block]) -> list[Block]:
        out: list[Block] = []
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            if block.heading is None or block.content:
                out.append(block)
                continue
            head = block.heading
            plain = self.inline(head.text, head.line, bold=False, quiet=True)
            nxt = blocks[index] if index < len(blocks) else None
            if nxt is not None and self.kind(nxt) == 'section':
                # "A heading with no paragraphs of its own takes what
                # follows": the next heading becomes its first paragraph.
                sub = nxt.heading
                sub_plain = self.inline(sub.text, sub.line, bold=False,
                                        quiet=True)
                block.content = [Element('para', sub.text, sub.line,
                                         parts=[(sub.line, sub.text)])]
                block.content += nxt.content
                index += 1
                blocks.insert(index, block)
                self.ctx.note(sub.line, f'heading {quoted(sub_plain)} follows '
                              f'the heading {quoted(plain)} directly; kept as '
                              'the first paragraph of that section')
                continue
            self.orphans.append((head.line, plain, 'a heading with no text '
                                 'after it'))
        return out

    # --- blocks → content ---

    def kind(self, block: Block) -> str:
        content = block.content
        if any(e.kind == 'ptitle' or (e.kind == 'item'
                                      and proposal_parts(e.text))
               for e in content):
            return 'proposals'
        if block.heading is None:
            return 'intro'
        head = block.heading.text
        items = [i for i, e in enumerate(content) if e.kind == 'item']
        questions = [i for i, e in enumerate(content) if e.kind == 'question']
        one_list = bool(items) and items == list(range(items[0],
                                                       items[-1] + 1))
        linked = any(LINK_RE.search(content[i].text) for i in items)
        if one_list and linked and len(questions) <= 1:
            return 'reading'
        if questions and not (questions[0] > 0 and len(questions) == 1):
            return 'faq'
        if one_list and READING_WORDS.search(head):
            return 'reading'
        if PROPOSALS_WORDS.search(head) and any(
                e.kind == 'item' and e.indent == 0
                and not LINK_RE.search(e.text)
                and len(self.inline(e.text, e.line, bold=False, quiet=True))
                <= PROPOSAL_TITLE_MAX for e in content):
            return 'proposals'
        return 'section'
