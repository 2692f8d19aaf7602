"""What a received message says, read without trusting any of it.

Nothing in a message is ever executed or rendered: the text part is read as text, an HTML-only
message is turned into text here (tags dropped, quoted blocks marked as quotes), and the reply
is what is left once the quoted history, "On … wrote:" headers and signatures are stripped
(mail-parser-reply, in the languages below).
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl"]

# A first line that ticks the task: a word for "done" in a few languages, or a tick mark.
DONE_WORDS = {
    "done",
    "completed",
    "complete",
    "finished",
    "✓",
    "✔",
    "✅",
    "☑",
    "erledigt",
    "fertig",
    "terminé",
    "termine",
    "fait",
    "hecho",
    "completado",
    "listo",
    "fatto",
    "completato",
    "klaar",
    "gedaan",
    "klart",
    "færdig",
    "gotowe",
    "zrobione",
    "feito",
    "concluído",
}


@dataclass
class Attachment:
    name: str
    content: bytes


@dataclass
class ParsedMessage:
    message_id: str
    sender: str  # the From address, lower case
    recipients: list[str]
    auto: str  # why it is automatic ("auto-reply", "bounce", "loop"), or ""
    text: str  # the whole text body (from HTML when there is no text part)
    attachments: list[Attachment] = field(default_factory=list)


def message_parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def message_id_of(message: EmailMessage) -> str:
    return str(message.get("Message-ID", "")).strip()[:300]


def _automatic(message: EmailMessage, envelope_sender: str | None) -> str:
    """Why the message was sent by a machine, not a person; "" if it was not. Answering
    machines must never be answered, or two of them write to each other for ever."""
    header = {k.lower(): str(v).strip().lower() for k, v in message.items()}
    sender = parseaddr(header.get("from", ""))[1].lower()
    content_type = message.get_content_type()
    if envelope_sender == "" or content_type == "multipart/report":
        return "bounce"
    if sender.split("@")[0] in {"mailer-daemon", "postmaster"}:
        return "bounce"
    if header.get("x-tandem-auto") or len(message.get_all("Received", [])) > 30:
        return "loop"
    if header.get("auto-submitted", "no") != "no":
        return "auto-reply"
    if any(h in header for h in ("x-autoreply", "x-autorespond", "x-autoresponse")):
        return "auto-reply"
    if header.get("precedence") in {"bulk", "junk", "list", "auto_reply"}:
        return "auto-reply"
    if header.get("x-auto-response-suppress") and re.match(
        r"(automatic reply|auto[- ]?reply|out of (the )?office)", header.get("subject", "")
    ):
        return "auto-reply"
    return ""


class _HTMLText(HTMLParser):
    """HTML to plain text: blocks become lines, quotes become "> " lines, scripts and styles
    vanish, nothing is fetched or run."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote = 0
        self.skip = 0

    def _newline(self) -> None:
        if self.lines[-1].strip("> "):
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self._newline()
            self.quote += 1
        elif tag in self.BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self._newline()
            self.quote = max(0, self.quote - 1)
        elif tag in self.BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1]:
            text = text.lstrip()
            if text and self.quote:
                self.lines[-1] = "> " * self.quote
        self.lines[-1] += text


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "\n".join(line.rstrip() for line in parser.lines).strip()


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return str(part.get_content())
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        return html_to_text(str(part.get_content()))
    return ""


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        if part.get_content_disposition() != "attachment" or part.is_multipart():
            continue  # inline images (logos in signatures) are not files someone shared
        content = part.get_payload(decode=True)
        if isinstance(content, bytes):
            found.append(Attachment(name=part.get_filename() or "attachment", content=content))
    return found


def message_read(raw: bytes, *, envelope_sender: str | None = None) -> ParsedMessage:
    message = message_parse(raw)
    headers = ("To", "Cc", "Delivered-To", "X-Original-To")
    addresses = [
        a for _, a in getaddresses([str(v) for h in headers for v in message.get_all(h, [])])
    ]
    return ParsedMessage(
        message_id=message_id_of(message),
        sender=parseaddr(str(message.get("From", "")))[1].lower(),
        recipients=addresses,
        auto=_automatic(message, envelope_sender),
        text=_body_text(message),
        attachments=_attachments(message),
    )


# What phones and apps add under a reply (mail-parser-reply leaves these one-liners).
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my \w+.*|sent from (outlook|mail) for \w+.*|get outlook for \w+.*"
    r"|von meinem \w+ gesendet.*|envoyé de mon \w+.*|enviado desde mi \w+.*"
    r"|inviato da(l mio)? \w+.*|verzonden vanaf mijn \w+.*)$",
    re.IGNORECASE,
)


def reply_text(text: str) -> str:
    """The new part of a reply: without the quoted history ("On … wrote:" and what follows,
    by mail-parser-reply), quoted lines, a signature after "-- " and phones' "Sent from"."""
    text = text.replace("\r\n", "\n")
    reply = EmailReplyParser(languages=LANGUAGES).parse_reply(text) or ""
    kept = []
    for line in reply.split("\n"):
        if line.rstrip() == "--":
            break  # the signature delimiter (RFC 3676): what follows is the signature
        if line.lstrip().startswith(">") or _MOBILE_SIGNATURE.match(line.strip()):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def done_split(reply: str) -> tuple[bool, str]:
    """(whether the first line says "done", the rest of the reply). Only a first line that is
    the word alone (punctuation aside) ticks, so that "Done by Friday?" stays a comment."""
    first, _, rest = reply.strip().partition("\n")
    word = re.sub(r"[\s.!:,;]+", " ", first).strip().lower()
    if word in DONE_WORDS:
        return True, rest.strip()
    return False, reply.strip()
