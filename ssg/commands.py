"""One function per command: load config, call the stages, print a summary.

A command missing here is reported by the CLI as not built yet.
"""

from __future__ import annotations
