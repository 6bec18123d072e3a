"""What WeasyPrint may read: files inside the project's layouts/ and assets/.

WeasyPrint fetches every stylesheet, font and image through a URL fetcher.
``allowed_protocols={'file'}`` alone would still let a template read any file
on the machine (``<link rel=attachment href=file:///etc/passwd>`` embeds it),
so :class:`ProjectFetcher` resolves each path itself — following symlinks —
and refuses anything outside the allowed folders, any ``..`` segment, and
every other scheme (no network, no ``data:``).  A refusal stops the render at
once (:class:`FetchRefused` is a ``FatalURLFetchingError``).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import (FatalURLFetchingError, URLFetcher,
                             URLFetcherResponse)

ALLOWED_FOLDERS = ('layouts', 'assets')


class FetchRefused(FatalURLFetchingError):
    """A template or stylesheet asked for something it may not read."""

    def __init__(self, url: str, reason: str):
        super().__init__(f'refused to load "{url}": {reason}')
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):
    """Serve ``file:`` URLs inside ``root/layouts`` and ``root/assets``."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={'file'}, allow_redirects=False,
                         fail_on_errors=True)
        self.root = root.resolve()
        self.folders = tuple(self.root / name for name in ALLOWED_FOLDERS)
        self.fetched: set[Path] = set()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != 'file':
            raise FetchRefused(url, 'only files inside layouts/ and assets/ '
                                    'may be used (no network, no data: URLs)')
        if parts.netloc not in ('', 'localhost'):
            raise FetchRefused(url, 'remote file shares are not allowed')
        raw = Path(url2pathname(unquote(parts.path)))
        if '..' in raw.parts:
            raise FetchRefused(url, '".." is not allowed in paths')
        resolved = raw.resolve()
        if not any(resolved.is_relative_to(folder) for folder in self.folders):
            raise FetchRefused(url, 'only files inside layouts/ and assets/ '
                                    'may be used')
        if not resolved.is_file():
            raise FetchRefused(url, 'no such file in the project')
        self.fetched.add(resolved)
        mime, _ = mimetypes.guess_type(resolved.name)
        return URLFetcherResponse(
            resolved.as_uri(), body=resolved.read_bytes(),
            headers={'Content-Type': mime or 'application/octet-stream'})
