"""Stage 3b: a print page's colour-space resources, only those its content
uses, fixed while WeasyPrint writes the print edition (a ``write_pdf``
finisher part).

In: WeasyPrint's PDF objects (pydyf) before they are written.  Out: every
``/ColorSpace`` resource dictionary without the entries that no content
stream using it selects (``/Name cs``, ``/Name CS``, an inline image's
``/CS /Name``).  WeasyPrint lists its ``/Lab`` spaces and the output
profile's ``ICCBased`` space on every page although the print edition's
content is DeviceCMYK (and the registration colour of the crop marks):
a shop's preflight reads them as colour that is not CMYK.
"""

from __future__ import annotations

import re

# A colour-space operand of cs/CS, or an inline image's colour space.
_NAME = rb'[^\s/\[\]<>(){}%]'
_SELECTED = re.compile(rb'/(' + _NAME + rb'+)\s+(?:cs|CS)(?!' + _NAME + rb')'
                       rb'|/(?:CS|ColorSpace)\s*/(' + _NAME + rb'+)')


def _content(stream) -> bytes:
    import pydyf

    return b' '.join(pydyf._to_bytes(item) for item in stream.stream)


def used_colour_spaces_only(document, pdf):
    """Drop every colour-space resource no content stream uses."""
    import pydyf

    def get(value):
        if isinstance(value, bytes) and value.endswith(b' R'):
            return pdf.objects[int(value.split()[0])]
        return value

    used: dict[int, set] = {}  # id(ColorSpace dict) -> names used
    spaces_by_id: dict[int, dict] = {}
    for obj in pdf.objects:
        if not isinstance(obj, (pydyf.Dictionary, pydyf.Stream)):
            continue
        holder = obj.extra if isinstance(obj, pydyf.Stream) else obj
        resources = get(holder.get('Resources'))
        if not isinstance(resources, dict):
            continue
        spaces = get(resources.get('ColorSpace'))
        if not isinstance(spaces, dict):
            continue
        spaces_by_id[id(spaces)] = spaces
        names = used.setdefault(id(spaces), set())
        if isinstance(obj, pydyf.Stream):
            streams = [obj]
        elif obj.get('Type') != '/Page':  # its content is elsewhere (a
            names.update(str(name).lstrip('/') for name in spaces)  # Type 3
            continue  # font's glyphs): keep all its spaces
        else:  # a page: its content stream or array of them
            contents = get(obj.get('Contents'))
            streams = [get(item) for item in contents] if isinstance(
                contents, list) else [contents]
        for stream in streams:
            if isinstance(stream, pydyf.Stream):
                for match in _SELECTED.finditer(_content(stream)):
                    names.add((match[1] or match[2]).decode('latin-1'))
    for key, spaces in spaces_by_id.items():
        for name in [name for name in spaces
                     if str(name).lstrip('/') not in used[key]]:
            del spaces[name]
