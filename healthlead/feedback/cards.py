"""Printed feedback cards for patients and carers: a PDF, eight cards to a sheet of A4.

Each card carries a one-time code (shown only here: the database keeps its hash) and a QR
code that opens the card page with the code filled in. WeasyPrint fetches nothing from the
network: the QR codes are inline images.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass

import qrcode
import qrcode.constants
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from qrcode.image.pil import PilImage

from healthlead.core.emails import absolute_url
from healthlead.core.formatting import nhs_date
from healthlead.feedback.models import FeedbackCycle

CARDS_PER_PAGE = 8
# A fixed mask pattern: choosing the "best" of eight costs ~90 ms a card in pure Python,
# and every mask gives a valid code that phone cameras read.
QR_MASK = 4

# WeasyPrint reports every CSS rule it ignores: thousands of lines per render.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Card:
    code: str  # as printed: ABCD 2345
    qr_data_uri: str


def printed_code(code: str) -> str:
    """Split a code in two halves so it is easy to read and type."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


def card_url(code: str | None = None) -> str:
    path = reverse("feedback:enter_card_code")
    return absolute_url(f"{path}?{urlencode({'code': code})}" if code else path)


def qr_png(url: str) -> bytes:
    """A QR code for a URL as a PNG, 8 pixels a module: about 280 dots per inch on the card.

    (WeasyPrint lays out a PNG faster than an SVG of the same code.)
    """
    code = qrcode.QRCode(
        border=2,
        box_size=8,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        mask_pattern=QR_MASK,
        image_factory=PilImage,
    )
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_uri(url: str) -> str:
    """A QR code for a URL as an inline image."""
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")


def cards_html(cycle: FeedbackCycle, codes: list[str]) -> str:
    """The HTML of the cards, eight to a page."""
    cards = [Card(printed_code(code), qr_data_uri(card_url(code))) for code in codes]
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    return render_to_string(
        "feedback/print_cards.jinja",
        {
            "subject_name": cycle.subject.full_name,
            "deadline": nhs_date(cycle.deadline),
            "address": card_url(),
            "pages": pages,
        },
    )


def cards_pdf(cycle: FeedbackCycle, codes: list[str]) -> bytes:
    """The cards as a PDF document."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    document = HTML(string=cards_html(cycle, codes), url_fetcher=fetcher)
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)
