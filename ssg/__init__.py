"""ssg: a static site generator for mailing-list archives."""

__version__ = "0.1.0"
