"""Placeholder: the subject grammar is being written (see docs/ARCHITECTURE.md)."""

from ssg.model import Subject


def parse(raw: str) -> Subject:
    text = " ".join(raw.split())
    return Subject(raw=text, title=text)
