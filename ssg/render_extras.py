"""What a render pass writes besides the pages: feed.xml and sitemap.xml (``feeds``),
and the theme's 404.html when content/ has no 404.md (GitHub Pages wants one).

Functions of a ``render.Renderer``, as ``render_output``'s are; the renderer calls
``missing_404`` and ``make`` at the end of a pass, and ``in_feed`` before rendering,
so that the feed's pages keep their bodies.
"""

from __future__ import annotations

from ssg import feeds, render_swap

FEED_LIMIT = 30
"""Newest entries in feed.xml (a weekly digest: over half a year)."""


def missing_404(renderer) -> None:
    """Render the 404 template when content has no 404.md."""
    if "404.md" in renderer.state.pages:
        return
    import jinja2
    from markdown_it.common.utils import escapeHtml
    page = renderer.pagelib.Page(src="404.md", url="404.html", meta={"title": "Page not found", "kind": "404"},
                                 anchors=frozenset(), links=(), problems=(), template="404.html")
    root = renderer._root(page.url)
    body = ("<h1>Page not found</h1>\n<p>There is no page at this address. "
            f'Try the <a href="{escapeHtml(root or "./")}">home page</a>.</p>\n')
    try:
        html = renderer._template("404.html").render(renderer._context(page, body, root))
    except jinja2.TemplateError as exc:
        raise renderer.theme.template_error(exc, "404.html") from None
    renderer.state.outputs.pop("404.html", None)
    renderer.state.missing_404 = html.encode("utf-8")


def _public(renderer) -> list:
    return [p for p in renderer.state.pages.values() if not p.meta.get("draft") and p.src != "404.md"]


def in_feed(renderer) -> set[str]:
    """Pages whose body the feed will need again (their bodies stay in memory)."""
    site_url = renderer.config.site_url
    if not site_url:
        return set()
    public = _public(renderer)
    urls = {e.url for e in feeds.feed_entries(site_url, public, FEED_LIMIT)}
    return {p.src for p in public if site_url + p.url in urls}


def make(renderer) -> None:
    """``state.extras``: feed, sitemap, the theme's 404 page and ssg's mark, by output path."""
    state = renderer.state
    asked: set[str] = set()

    def body_of(src: str) -> bytes:
        asked.add(src)
        return _feed_html(renderer, src)
    extras = feeds.site_files(renderer.config, _public(renderer), body_of, FEED_LIMIT)
    extras[render_swap.MARK] = render_swap.MARK_TEXT
    # the feed entries' bodies stay (in the snapshot too) until their page is rendered again
    state.feed_html = {src: html for src, html in state.feed_html.items() if src in asked}
    if "404.md" not in state.pages and state.missing_404 is not None:
        extras["404.html"] = state.missing_404
    state.extras = extras


def _feed_html(renderer, src: str) -> bytes:
    """A page body with absolute URLs (feed readers have no base), escaped for the feed's
    XML and encoded, kept until the page changes."""
    state = renderer.state
    if src not in state.feed_html:
        page = renderer.full_page(src)
        body = page.body(renderer._resolver(src, renderer.config.site_url), renderer.store.parts(page))
        state.feed_html[src] = feeds.escape(body).encode()
    return state.feed_html[src]
