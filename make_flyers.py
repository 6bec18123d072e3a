#!/usr/bin/env python3
"""Build print-ready campaign leaflets and posters: see README.md."""

import sys

from flyers.cli import main

if __name__ == '__main__':
    sys.exit(main())
