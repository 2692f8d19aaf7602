"""An organisation's brand: its logo (and a room's buyer logo) and its colour.

Logos are checked like room files (size first, then the type read from the content with
puremagic, never from the name), but only raster images are taken: PNG, JPEG, WebP and GIF.
SVG is refused, since a browser runs the scripts an SVG can hold. An accepted image is decoded
with Pillow, fitted within ``LOGO_BOX`` and written again as a fresh PNG, so no metadata, no
trailing bytes and no animation frames survive. It lives here, at the lowest layer that needs
it (Organisation.logo); rooms use it for Room.buyer_logo.
"""

import codecs
import io
import re
import uuid
import warnings
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

LOGO_BOX = (400, 160)
LOGO_FOLDER = "branding"
# More pixels than any logo needs; a "decompression bomb" (a small file that decodes to
# gigabytes) is refused before it is decoded.
MAX_PIXELS = 24_000_000
HEAD_BYTES = 8192
RASTER = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
ACCEPTED = "a PNG, JPEG, WebP or GIF image"
MARKUP = re.compile(rb"^\s*<(\?xml|!doctype|!--|svg|html)", re.I)

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
colour_validator = RegexValidator(COLOUR, "Enter a colour as #RRGGBB, for example #0f766e.")
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"


def too_big_message() -> str:
    return f"The logo is larger than {filesizeformat(settings.LOGO_MAX_BYTES)}."


def process_logo(upload: IO[bytes], *, size: int, field: str = "logo") -> ContentFile:
    """The upload as a PNG fitted within LOGO_BOX, or a ValidationError on ``field``."""
    if size <= 0:
        raise ValidationError({field: "The file is empty."})
    if size > settings.LOGO_MAX_BYTES:
        raise ValidationError({field: too_big_message()})
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if MARKUP.match(head.removeprefix(codecs.BOM_UTF8)):
        raise ValidationError({field: f"SVG and other markup is not accepted: upload {ACCEPTED}."})
    content_type = next((t for t in _best_guesses(head) if t in RASTER), None)
    if content_type is None:
        raise ValidationError({field: f"This is not an image we accept: upload {ACCEPTED}."})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[RASTER[content_type]]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(
                        {field: "The image is too large: use one under 24 megapixels."}
                    )
                image.seek(0)
                picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError({field: "The image is damaged: it could not be read."}) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            {field: "The image is too large: use one under 24 megapixels."}
        ) from None
    finally:
        upload.seek(0)
    picture.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.png")


def _best_guesses(head: bytes) -> list[str]:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return []
    best = max((match.confidence for match in matches), default=0)
    return [match.mime_type for match in matches if match.confidence == best]


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(colour: str) -> str:
    """White or black, whichever has the higher contrast on ``colour``: one of the two always
    reaches 4.58:1 or more (WCAG AA asks 4.5:1), so no brand colour makes its text unreadable."""
    if not COLOUR.match(colour or ""):
        return LIGHT_TEXT
    if contrast(colour, LIGHT_TEXT) >= contrast(colour, DARK_TEXT):
        return LIGHT_TEXT
    return DARK_TEXT
