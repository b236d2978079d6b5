"""Readable text from mail bodies: HTML to text, and the new text apart from quotes.

`html_to_text()` renders HTML (Outlook's conditional comments and mso styles included) as
plain text an agent can read. `split_reply()` separates what the customer just wrote from
the history their client quoted below it and from their signature, in the conventions of
Gmail, Outlook, Apple Mail / iOS, Thunderbird, Yandex and Mail.ru, in English and Russian
and a few other languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tbody", "thead", "tfoot", "tr", "ul",
}  # fmt: skip
_SKIP = {"head", "style", "script", "title", "xml", "template", "noscript", "svg", "object"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source"}


class _TextRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.list_depth = 0
        self.quote_depth = 0

    def _newline(self, count: int = 1) -> None:
        self.parts.append("\n" * count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"):
            self._newline(2 if tag in ("p", "table") or tag.startswith("h") else 1)
        elif tag == "li":
            self.parts.append("\n" + "  " * max(self.list_depth - 1, 0) + "- ")
        elif tag in ("ul", "ol"):
            self.list_depth += 1
            self._newline()
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "hr":
            self.parts.append("\n---\n")
        elif tag == "pre":
            self.pre_depth += 1
            self._newline()
        elif tag == "blockquote":
            self.quote_depth += 1
            self._newline()
        elif tag in _BLOCK:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "hr":
            self.parts.append("\n---\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(self.skip_depth - 1, 0)
            return
        if tag in ("ul", "ol"):
            self.list_depth = max(self.list_depth - 1, 0)
            self._newline()
        elif tag == "pre":
            self.pre_depth = max(self.pre_depth - 1, 0)
            self._newline()
        elif tag == "blockquote":
            self.quote_depth = max(self.quote_depth - 1, 0)
            self._newline()
        elif tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table"):
            self._newline(2)
        elif tag in _BLOCK and tag != "li":
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre_depth:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
        if self.quote_depth:
            data = data.replace("\n", "\n" + "> " * self.quote_depth)
            if self.parts and self.parts[-1].endswith("\n"):
                data = "> " * self.quote_depth + data.lstrip()
        self.parts.append(data)

    def text(self) -> str:
        return "".join(self.parts)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body; never raises."""
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.DOTALL)  # Outlook's [if mso] blocks too
    html = re.sub(r"<!\[(?:end)?if[^\]]*\]>", " ", html, flags=re.IGNORECASE)
    renderer = _TextRenderer()
    try:
        renderer.feed(html)
        renderer.close()
        text = renderer.text()
    except Exception:  # html.parser is lenient; this is the never-lose-text guard
        text = unescape(re.sub(r"<[^>]+>", " ", html))
    return tidy_text(text.replace("\xa0", " ").replace("\u200b", ""))


def tidy_text(text: str) -> str:
    """Spaces evened out, at most one blank line in a row, no blank lines around."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(line.split())
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# --- new text, quoted history, signature -----------------------------------------------------

_WROTE = (
    r"wrote|writes|написал\(а\)|написала|написал|пишет|schrieb|a écrit|escribió|escreveu"
    r"|scrisse|napisał|schreef|skrev|kirjoitti|yazdı"
)
# "On Mon, 2 Mar 2026 at 10:00, Ann <ann@x.io> wrote:" and its cousins; may wrap lines.
_ATTRIBUTION = re.compile(
    r"^\s*(?:On|Am|Le|El|Em|Il|Op|Den|W dniu|\d|[А-Яа-яA-Za-z]{2,4},\s)"
    rf".{{0,300}}?(?:{_WROTE})\s*:?\s*$",
    re.IGNORECASE | re.DOTALL,
)
# Gmail in Russian and other languages: "пн, 2 мар. 2026 г. в 10:00, Ann <ann@x.io>:"
_GMAIL_ATTRIBUTION = re.compile(
    r"^\s*.{0,80}\d{4}.{0,80}<[^<>\s]+@[^<>\s]+>\s*:\s*$", re.IGNORECASE | re.DOTALL
)
_SEPARATORS = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Исходное сообщение|Ursprüngliche Nachricht"
    r"|Message d'origine|Mensaje original|Mensagem original|Oorspronkelijk bericht"
    r"|Reply message|Ответ на сообщение)\s*-{2,}"
    r"|-{5,}\s*Original message\s*-{5,}|_{20,})\s*$",
    re.IGNORECASE,
)
# Outlook's header block: From:/Sent:/To:/Subject: (or От:/Отправлено:/Кому:/Тема:).
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|От|Von|De|Van|Da|Från)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Subject|Cc|Отправлено|Дата|Кому|Тема|Копия|Gesendet|Datum|An"
    r"|Betreff|Envoyé|À|Objet|Enviado|Para|Asunto|Assunto|Inviato|Oggetto|Verzonden"
    r"|Onderwerp|Skickat|Ämne)\s*:",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:Sent from (?:my |the )?\w[\w \-]*|Sent with \w[\w ]*|Get Outlook for \w+"
    r"|Отправлено (?:с|из) [\w\- .]+|Отправлено со смартфона \w*|Sent from Mail for Windows.*"
    r"|Von meinem \w[\w \-]* gesendet|Envoyé de mon \w[\w \-]*|Enviado desde mi \w[\w \-]*"
    r"|Enviado do meu \w[\w \-]*|Sent from Yahoo Mail.*|Sent from Yandex.*"
    r"|Отправлено из мобильной Почты Mail\.ru|Отправлено из приложения .*)\s*$",
    re.IGNORECASE,
)
_SIGNATURE_DASHES = re.compile(r"^-- ?$|^—\s*$")


@dataclass(frozen=True)
class Split:
    new_text: str
    quoted: str
    signature: str


def _is_quote_block(lines: list[str]) -> bool:
    quoted = [line for line in lines if line.strip()]
    return bool(quoted) and all(line.lstrip().startswith(">") for line in quoted)


def _quote_start(lines: list[str]) -> int | None:
    """Index of the first line of quoted history, if any."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _SEPARATORS.match(stripped):
            return i
        for span in (1, 2, 3):
            if span > 1 and not all(part.strip() for part in lines[i : i + span]):
                break  # an attribution wraps, but never across a blank line
            joined = " ".join(part.strip() for part in lines[i : i + span])
            if len(joined) > 400:
                break
            if _ATTRIBUTION.match(joined) or _GMAIL_ATTRIBUTION.match(joined):
                # Only when what follows is quoted or the rest of the mail.
                return i
        if _OUTLOOK_FROM.match(stripped):
            following = [x for x in lines[i + 1 : i + 6] if x.strip()]
            if sum(1 for x in following[:4] if _OUTLOOK_NEXT.match(x)) >= 2:
                return i
        if stripped.startswith(">") and _is_quote_block(lines[i:]):
            return i
    return None


def split_reply(text: str) -> Split:
    """Separate new text from quoted history and signature.

    Conservative: when nothing would be left as new text (a forward, or a mail that is all
    quote), the whole text stays new text.
    """
    lines = text.split("\n")
    start = _quote_start(lines)
    body = lines if start is None else lines[:start]
    quoted = "" if start is None else "\n".join(lines[start:]).strip("\n")
    signature = ""
    for i, line in enumerate(body):
        if _SIGNATURE_DASHES.match(line.rstrip()) and i > 0:
            signature = "\n".join(body[i:]).strip("\n")
            body = body[:i]
            break
        if _MOBILE_SIGNATURE.match(line) and not "\n".join(body[i + 1 :]).strip():
            signature = "\n".join(body[i:]).strip("\n")
            body = body[:i]
            break
    new_text = "\n".join(body).strip()
    if not new_text:
        return Split(new_text=text.strip(), quoted="", signature="")
    return Split(new_text=new_text, quoted=quoted, signature=signature)


# Containers mail clients put quoted history in, for HTML-only mail.
_HTML_QUOTE_MARKERS = re.compile(
    r"<(?:div|blockquote)[^>]*(?:class=[\"']?(?:gmail_quote|yahoo_quoted|moz-cite-prefix"
    r"|protonmail_quote|OutlookMessageHeader)|id=[\"']?(?:appendonsend|divRplyFwdMsg"
    r"|mail-editor-reference-message-container|isForwardContent)|type=[\"']?cite)",
    re.IGNORECASE,
)


def split_html(html: str) -> tuple[str, str]:
    """(new part, quoted part) of an HTML body at the first quote container, else (html, "")."""
    match = _HTML_QUOTE_MARKERS.search(html)
    if not match:
        return html, ""
    # Outlook puts an <hr> just before #divRplyFwdMsg; cut there too.
    head = html[: match.start()]
    hr = head.lower().rfind("<hr")
    if hr != -1 and len(re.sub(r"<[^>]+>|\s", "", head[hr:])) == 0:
        head = head[:hr]
    return head, html[match.start() :]
