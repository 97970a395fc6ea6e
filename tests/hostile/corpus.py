"""A hostile corpus: crafted messages, each aimed at one way into the site.

Everything here is written for the project (no real mail).  ``corpus()`` returns
the small messages (bytes, built in memory); ``big()`` the large ones (a 50 MB
base64 body, a 10,000-address To header, multipart nested 200 deep), generated
at call time so nothing large is ever committed.

Each ``Hostile`` names its target and, where the text must stay visible on the
site, the ``shows`` strings that must appear (as text, after HTML parsing) on at
least one page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from email.utils import formatdate

LIST = "hostile@lists.example.test"
WHEN = 1_780_000_000
"""2026-05-28: every message is dated a minute apart from here (unless it attacks the date)."""


@dataclass(frozen=True)
class Hostile:
    """One crafted message."""

    name: str
    """What it attacks (``<field>-<attack>``)."""
    raw: bytes
    """The message as it would arrive."""
    shows: tuple[str, ...] = field(default=())
    """Texts that must still be visible (escaped) on some page of the site."""


def diff(path: str = "drivers/hostile/a.c") -> str:
    return (f"---\n {path} | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n"
            "@@ -1 +1 @@\n-old\n+new\n")


def message(n: int, subject: str | bytes, body: str | bytes = "", *, frm: str | bytes = "",
            msgid: str | bytes | None = None, date: str | bytes | None = None,
            headers: tuple[tuple[str, str | bytes], ...] = (), to: str | bytes = LIST,
            patch: bool = True, eol: bytes = b"\n") -> bytes:
    """Assemble a message from raw pieces (str is UTF-8 encoded, bytes kept as they are)."""
    def b(v: str | bytes) -> bytes:
        return v if isinstance(v, bytes) else v.encode("utf-8", "surrogateescape")

    frm = frm or f"Mallory Example <mallory{n}@example.test>"
    msgid = f"<hostile-{n:03d}@example.test>" if msgid is None else msgid
    date = formatdate(WHEN + 60 * n) if date is None else date
    lines = [b"From: " + b(frm), b"To: " + b(to), b"Subject: " + b(subject), b"Date: " + b(date),
             b"Message-ID: " + b(msgid)]
    lines += [b(k) + b": " + b(v) for k, v in headers]
    text = b(body) if body else b"Please apply.\n"
    if patch:
        text = text.rstrip(b"\n") + b"\n\nSigned-off-by: Mallory Example <mallory@example.test>\n" + \
            b(diff(f"drivers/hostile/f{n}.c"))
    data = b"\n".join(lines) + b"\n\n" + text
    return data.replace(b"\n", eol) if eol != b"\n" else data


def q(text: str) -> str:
    """An RFC 2047 Q-encoded word that smuggles any character (newlines included)."""
    return "=?utf-8?q?" + "".join(
        c if c.isalnum() else "_" if c == " " else "".join(f"={x:02X}" for x in c.encode()) for c in text) + "?="


def b64word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def multipart(n: int, subject: str, parts: list[tuple[str, str, bytes]], *, frm: str = "") -> bytes:
    """multipart/mixed with (content-type line, disposition line, payload) parts."""
    boundary = f"hostile-boundary-{n}"
    out = [f"Content-Type: multipart/mixed; boundary=\"{boundary}\"".encode(), b"MIME-Version: 1.0", b"",
           b"This is a multi-part message."]
    for ctype, disp, payload in parts:
        out += [f"--{boundary}".encode(), f"Content-Type: {ctype}".encode()]
        if disp:
            out.append(f"Content-Disposition: {disp}".encode())
        out += [b"", payload]
    out.append(f"--{boundary}--".encode())
    head = message(n, subject, "x", frm=frm, patch=False).split(b"\n\n", 1)[0]
    return head + b"\n" + b"\n".join(out) + b"\n"


SCRIPT = "<script>alert('{}')</script>"


def corpus() -> list[Hostile]:
    """The small hostile messages (at least 50), numbered from 1."""
    items: list[Hostile] = []

    def add(name: str, raw: bytes, *shows: str) -> None:
        items.append(Hostile(name, raw, tuple(shows)))

    n = iter(range(1, 1000))
    # --- subjects ------------------------------------------------------------------
    s = SCRIPT.format("subject")
    add("subject-script", message(next(n), f"[PATCH] {s} fix"), s)
    add("subject-img-onerror", message(next(n), "[PATCH] <img src=x onerror=alert(2)> img"),
        "<img src=x onerror=alert(2)>")
    add("subject-iframe", message(next(n), '[PATCH] <iframe src="javascript:alert(3)"></iframe> frame'),
        '<iframe src="javascript:alert(3)"></iframe>')
    add("subject-md-link-js", message(next(n), "[PATCH] [click me](javascript:alert(4)) link"),
        "[click me](javascript:alert(4))")
    add("subject-md-image-data", message(
        next(n), "[PATCH] ![x](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) image"),
        "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)")
    add("subject-autolink-vbscript", message(next(n), "[PATCH] <vbscript:msgbox(6)> auto"),
        "<vbscript:msgbox(6)>")
    add("subject-ref-link", message(next(n), "[PATCH] " + q("[x][evil] ref\n\n[evil]: javascript:alert(7)")),
        "[x][evil] ref")
    add("subject-jinja", message(next(n), "[PATCH] {{ config.__class__ }} {% for x in range(3) %}X{% endfor %}"),
        "{{ config.__class__ }} {% for x in range(3) %}X{% endfor %}")
    add("subject-yaml-encoded-newlines", message(
        next(n), "[PATCH] " + q("yaml\n---\ntitle: pwned\nkind: home\n---\n<script>alert(9)</script>")),
        "title: pwned")
    add("subject-yaml-syntax", message(next(n), "[PATCH] key: value # &anchor *alias !!python/object:os.system"),
        "key: value # &anchor *alias !!python/object:os.system")
    add("subject-attrs-block", message(next(n), "[PATCH] title {onclick=alert(11) #main .x}"),
        "{onclick=alert(11) #main .x}")
    add("subject-heading-id", message(next(n), "[PATCH] hijack the anchor {#main}"), "hijack the anchor {#main}")
    add("subject-entities", message(next(n), "[PATCH] &lt;script&gt;alert(12)&lt;/script&gt; &#106;avascript:"),
        "&lt;script&gt;alert(12)&lt;/script&gt;")
    add("subject-encoded-script", message(next(n), "[PATCH] " + b64word(SCRIPT.format("b64"))),
        SCRIPT.format("b64"))
    add("subject-table-pipes", message(next(n), "[PATCH] a | b | <td onmouseover=alert(14)> |"),
        "<td onmouseover=alert(14)>")
    add("subject-backticks", message(next(n), "[PATCH] ``` <b>bold</b> ```` ` code"), "<b>bold</b>")
    add("subject-bidi-zero-width", message(next(n), "[PATCH] innocent\u202eexe.txt\u200b\u2066x\u2069 name"),
        "innocent")
    add("subject-html-comment", message(next(n), "[PATCH] <!-- <script>alert(17)</script> --> <![CDATA[x]]>"),
        "<!-- <script>alert(17)</script> -->")
    # --- display names ---------------------------------------------------------------
    add("name-script", message(next(n), "[PATCH] name one", frm=f'"{SCRIPT.format("name")}" <eve1@example.test>'),
        SCRIPT.format("name"))
    add("name-img-unquoted", message(next(n), "[PATCH] name two", frm="<img src=x onerror=alert(19)> <eve2@example.test>"))
    add("name-md-link", message(next(n), "[PATCH] name three",
                                frm='"[me](javascript:alert(20))" <eve3@example.test>'),
        "[me](javascript:alert(20))")
    add("name-encoded-yaml", message(next(n), "[PATCH] name four",
                                     frm=q("Eve\n---\nkind: home\n{{ 7*7 }}") + " <eve4@example.test>"),
        "kind: home")
    add("name-bidi-zero-width", message(next(n), "[PATCH] name five",
                                        frm='"Ad\u200bmin\u202e\u200fnimdA" <eve5@example.test>'), "Ad")
    add("name-jinja", message(next(n), "[PATCH] name six", frm='"{{ lipsum.__globals__ }} {% raw %}" <eve6@example.test>'),
        "{{ lipsum.__globals__ }}")
    add("name-quote-breaker", message(next(n), "[PATCH] name seven",
                                      frm='"x\\" onmouseover=\\"alert(23)" <eve7@example.test>'))
    # --- addresses and domains --------------------------------------------------------
    add("domain-traversal", message(next(n), "[PATCH] domain one", frm="Eve <eve@../../../../etc/passwd>"))
    add("domain-slashes", message(next(n), "[PATCH] domain two", frm="Eve <eve@evil.test/../../index.md>"))
    add("domain-backslashes", message(next(n), "[PATCH] domain three", frm="Eve <eve@..\\..\\evil.test>"))
    add("domain-nul", message(next(n), "[PATCH] domain four", frm=b"Eve <eve@evil\x00.test>"))
    add("domain-javascript", message(next(n), "[PATCH] domain five", frm="Eve <javascript:alert(28)@evil.test>"))
    add("domain-script", message(next(n), "[PATCH] domain six", frm="Eve <eve@<script>alert(29)</script>.test>"))
    add("in-body-from", message(next(n), "[PATCH] in-body from",
                                f"From: {SCRIPT.format('inbody')} <../x@evil.test>\n\nThe real change.\n"))
    # --- message-ids ------------------------------------------------------------------
    add("msgid-traversal", message(next(n), "[PATCH] msgid one", msgid="<../../../../../tmp/ssg-pwned@x>"))
    add("msgid-absolute", message(next(n), "[PATCH] msgid two", msgid="</etc/passwd>"))
    add("msgid-backslash", message(next(n), "[PATCH] msgid three", msgid="<..\\..\\..\\evil@x>"))
    add("msgid-nul", message(next(n), "[PATCH] msgid four", msgid=b"<a\x00b@evil.test>"))
    add("msgid-5000", message(next(n), "[PATCH] msgid five", msgid="<" + "a" * 5000 + "@evil.test>"))
    add("msgid-script", message(next(n), "[PATCH] msgid six", msgid='<"><script>alert(36)</script>@evil.test>'))
    add("msgid-javascript", message(next(n), "[PATCH] msgid seven", msgid="<javascript:alert(37)//@evil.test>"))
    add("references-hostile", message(next(n), "Re: [PATCH] msgid seven", "> quoted\n\nReviewed-by: Eve <eve@x.test>\n",
                                      patch=False, headers=(("In-Reply-To", "<javascript:alert(37)//@evil.test>"),
                                                            ("References", "<../../../../etc/passwd> <a\\b> <" + "r" * 3000 + ">"))))
    add("msgid-terminal-escapes", message(next(n), "[PATCH] \x1b[31mred\x1b[0m \x1b]0;title\x07 escapes",
                                          msgid="<\x1b[2J\x1b]0;pwned\x07\x08\x08@evil.test>", date="\x1b[2J"), "red")
    # --- bodies -------------------------------------------------------------------------
    add("body-script", message(next(n), "[PATCH] body script", SCRIPT.format("body") + "\n"), SCRIPT.format("body"))
    add("body-md-links", message(next(n), "[PATCH] body links",
                                 "[click](javascript:alert(40)) ![i](data:image/svg+xml,<svg onload=alert(40)>)\n"
                                 "<vbscript:msgbox(40)> <javascript:alert(40)>\n[r]: javascript:alert(40)\n"),
        "[click](javascript:alert(40))")
    add("body-raw-html", message(next(n), "[PATCH 0/1] body html",
                                 '<div onclick="alert(41)">\n<iframe src="javascript:alert(41)"></iframe>\n'
                                 '<object data="x.swf"></object><embed src="x.swf">\n</div>\n', patch=False),
        '<iframe src="javascript:alert(41)"></iframe>')
    add("body-fence-breaker", message(next(n), "[PATCH] body fences",
                                      "```\n</code></pre><script>alert(42)</script>\n```\n~~~~\n````````\n"),
        "</code></pre><script>alert(42)</script>")
    add("body-jinja", message(next(n), "[PATCH] body jinja",
                              "{{ self.__init__.__globals__.__builtins__ }}\n{% include '/etc/passwd' %}\n{# c #}\n"),
        "{% include '/etc/passwd' %}")
    add("body-front-matter", message(next(n), "[PATCH 0/1] body front matter",
                                     "---\ntitle: hijacked\ntemplate: ../../etc/passwd\n---\n# heading\n",
                                     patch=False),
        "template: ../../etc/passwd")
    add("body-diff-paths", _hostile_diff(next(n)), "Touch hostile paths.")
    add("body-invalid-utf8", message(next(n), "[PATCH] body invalid utf-8",
                                     b"bad bytes \xff\xfe \xc0\xaf \xed\xa0\x80 end\n",
                                     headers=(("Content-Type", "text/plain; charset=utf-8"),)), "bad bytes")
    add("body-mixed-eol", message(next(n), "[PATCH] body mixed eol", "a\r\nb\rc\n<script>alert(48)</script>\r\n")
        .replace(b"Subject", b"X-A: 1\r\nSubject"), "<script>alert(48)</script>")
    add("body-crlf-all", message(next(n), "[PATCH] body crlf", SCRIPT.format("crlf") + "\n", eol=b"\r\n"),
        SCRIPT.format("crlf"))
    add("body-unknown-charset", message(next(n), "[PATCH] body charset", SCRIPT.format("charset") + "\n",
                                        headers=(("Content-Type", 'text/plain; charset="x-<script>"'),)),
        SCRIPT.format("charset"))
    add("body-quoted-printable", message(next(n), "[PATCH] body qp",
                                         "=3Cscript=3Ealert(51)=3C/script=3E=\n tail\n",
                                         headers=(("Content-Type", "text/plain; charset=utf-8"),
                                                  ("Content-Transfer-Encoding", "quoted-printable"))),
        "<script>alert(51)</script> tail")
    add("body-base64", message(next(n), "[PATCH] body base64",
                               base64.encodebytes(message(0, "x", SCRIPT.format("b64body") + "\n")
                                                  .split(b"\n\n", 1)[1]).decode(), patch=False,
                               headers=(("Content-Transfer-Encoding", "base64"),)))
    add("body-nul", message(next(n), "[PATCH] body nul", b"before\x00after <script>alert(53)</script>\n"),
        "<script>alert(53)</script>")
    add("body-terminal-escapes", message(next(n), "[PATCH 0/1] body escapes",
                                         "\x1b[2J\x1b]0;pwned\x07 clear screen; trojan \u202e)(tixe\u202c source\n",
                                         patch=False), "clear screen; trojan")
    add("body-pull-request", message(next(n), "[GIT PULL] hostile pull",
                                     "The following changes since commit 0123456789abcdef0123456789abcdef01234567:\n\n"
                                     "  base (2026-01-01)\n\nare available in the Git repository at:\n\n"
                                     "  javascript:alert(54)//git.example.test/repo.git <script>x</script>\n\n"
                                     "for you to fetch changes up to 89abcdef0123456789abcdef0123456789abcdef:\n\n"
                                     "  tip\n", patch=False))
    add("body-trailer-links", message(next(n), "[PATCH] body trailers",
                                      "Link: javascript:alert(55)\nLink: <data:text/html,<script>alert(55)</script>>\n"
                                      "change-id: <script>alert(55)</script>\nbase-commit: javascript:alert(55)\n"
                                      "Reviewed-by: <img src=x onerror=alert(55)> <r@evil.test>\n"))
    add("attachment-names", multipart(next(n), "[PATCH] attachment names", [
        ("text/plain; charset=utf-8", "inline", b"See the attachments.\n"),
        ('text/x-patch; name="<script>alert(56)</script>.patch"',
         'attachment; filename="../../../../tmp/ssg-pwned.patch"', diff().encode()),
        ('application/octet-stream; name="<iframe onload=alert(56)>"', 'attachment; filename="..\\\\evil\x00.exe"',
         b"binary"),
        ("text/plain", "attachment; filename*=utf-8''%3Cscript%3Ealert(56)%3C%2Fscript%3E", b"x\n"),
    ]))
    add("header-junk", message(next(n), "[PATCH] header junk", headers=(
        ("List-Id", "<script>alert(57)</script>"), ("X-Mailer", "{{ 7*7 }}<iframe>"),
        ("Content-Type", 'text/plain; charset="utf-8<script>"; format="<x onload=y>"'))))
    # --- dates ------------------------------------------------------------------------
    add("date-year-1", message(next(n), "[PATCH] date year one", date="Mon, 1 Jan 0001 00:00:00 +0000"))
    add("date-year-9999", message(next(n), "[PATCH] date year 9999", date="Fri, 31 Dec 9999 23:59:59 +0000"))
    add("date-garbage", message(next(n), "[PATCH] date garbage", date="<script>alert(60)</script> +99999"))
    add("date-huge-zone", message(next(n), "[PATCH] date zone", date="Tue, 2 Jun 2026 10:00:00 -9959"))
    # --- shapes that make regular expressions backtrack ------------------------------------
    add("regex-re-chain", message(next(n), "Re: " * 5000 + "[PATCH] re chain"))
    add("regex-brackets", message(next(n), "[PATCH] " + "[" * 5000 + " brackets", "[[[[" * 5000 + "\n"))
    add("regex-dashes", message(next(n), "[PATCH] dashes", "-" * 10000 + "\n" + "--- " * 3000 + "\n"))
    add("regex-colon-chain", message(next(n), "[PATCH] colons", "a:" * 20000 + "\n" + "b: c: " * 5000 + "\n"))
    add("regex-spaces", message(next(n), "[PATCH" + " " * 20000 + "v2 1/2] spaces",
                                " " * 100000 + "x\nSigned-off-by:" + " " * 50000 + "\n" + "\t \t" * 20000 + "\n"))
    add("regex-trailers", message(next(n), "[PATCH] trailers", "Reviewed-by: " + "<" * 20000 + "\n"
                                  "Signed-off-by: " + "a@" * 20000 + "\n" + "Fixes: " + "(" * 20000 + "\n"))
    add("regex-version", message(next(n), "[PATCH v" + "9" * 5000 + " " + "1" * 3000 + "/" + "2" * 3000 + "] version"))
    add("regex-diff-header", message(next(n), "[PATCH] diff header", "x\n", patch=False) +
        b"---\n" + b"diff --git " + b"a/" * 20000 + b" b/x\n" + b"+++ " + b" " * 50000 + b"\n@@ -1," + b"9" * 5000
        + b" +1 @@\n")
    add("regex-addresses", message(next(n), "[PATCH] addresses",
                                   frm='"' + '\\"' * 20000 + '" <x@evil.test>',
                                   headers=(("Cc", "<" * 20000 + "@" * 20000),)))
    assert len(items) >= 50
    return items


def _hostile_diff(n: int) -> bytes:
    path = "<img src=x onerror=alert(46)>.c"
    body = (f"Touch hostile paths.\n\nSigned-off-by: Mallory <m@example.test>\n---\n"
            f" {path} | 2 +-\n ../../../../etc/passwd | 1 +\n 2 files changed, 2 insertions(+), 1 deletion(-)\n\n"
            f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"
            "diff --git a/../../../../etc/passwd b/../../../../etc/passwd\n--- a/../../../../etc/passwd\n"
            "+++ b/../../../../etc/passwd\n@@ -0,0 +1 @@\n+root::0:0::/:/bin/sh\n")
    return message(n, "[PATCH] body diff paths", body, patch=False)


def big() -> list[Hostile]:
    """The large ones, generated at call time: 50 MB base64, 10,000 recipients, 200-deep multipart."""
    out = []
    payload = (b"<script>alert('big')</script> " * 40 + b"\n") * (50 * 1024 * 1024 // 1241 + 1)
    encoded = base64.encodebytes(payload[: 50 * 1024 * 1024])
    out.append(Hostile("big-base64-50mb", message(901, "[PATCH 0/1] big base64", "", patch=False,
                                                   headers=(("Content-Transfer-Encoding", "base64"),))
                       .replace(b"Please apply.\n", encoded)))
    to = ", ".join(f"\"<script>{i}</script>\" <r{i}@to{i % 97}.example.test>" for i in range(10_000))
    out.append(Hostile("big-to-10000", message(902, "[PATCH] ten thousand recipients", to=to)))
    head = message(903, "[PATCH] nested 200 deep", "x", patch=False).split(b"\n\n", 1)[0]
    body = b"deepest <script>alert('deep')</script>\n"
    for depth in range(200):
        bnd = f"b{depth}".encode()
        body = (b"Content-Type: multipart/mixed; boundary=\"" + bnd + b"\"\n\n--" + bnd + b"\n" + body
                + b"\n--" + bnd + b"--\n")
    out.append(Hostile("big-multipart-200", head + b"\nMIME-Version: 1.0\n" + body))
    return out


def mbox(messages: list[bytes]) -> bytes:
    """An mboxrd file: ``From `` separators, ``>*From `` lines in bodies quoted once more."""
    out = bytearray()
    for raw in messages:
        out += b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        for line in raw.split(b"\n"):
            out += (b">" + line if line.lstrip(b">").startswith(b"From ") else line) + b"\n"
        out = out[:-1]
        if not raw.endswith((b"\n", b"\r")):
            out += b"\n"
        out += b"\n"
    return bytes(out)
