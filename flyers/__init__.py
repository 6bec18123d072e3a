"""Flyer builder: campaign content (YAML) → print-ready leaflets and posters.

Pipeline, one module per stage: content (load + validate) → render (HTML
through a layout) with qr → pdf (WeasyPrint, checks) → writer (atomic files
in output/).  build ties them together; cli is the thin command line.
"""

__version__ = '0.1.0'
