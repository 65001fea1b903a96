"""The certificate as a one-page landscape PDF, drawn with reportlab's canvas (no templates,
no fonts to ship: the standard Helvetica and Times faces every PDF reader has)."""

import io
from datetime import datetime
from decimal import Decimal

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

NAVY = HexColor("#1a4480")  # USWDS primary-dark
GOLD = HexColor("#c2850c")
INK = HexColor("#1b1b1b")
MUTED = HexColor("#565c65")


def _centred_lines(canvas: Canvas, text: str, *, y: float, font: str, size: float,
                   width: float, leading: float, max_lines: int = 2) -> float:
    """Draw `text` centred, wrapped to `width`; returns the y below the last line."""
    lines = simpleSplit(text, font, size, width)[:max_lines]
    canvas.setFont(font, size)
    page_width = canvas._pagesize[0]
    for line in lines:
        canvas.drawCentredString(page_width / 2, y, line)
        y -= leading
    return y


def _clp(credit: Decimal) -> str:
    plural = "" if credit == 1 else "s"
    return f"{credit.normalize():f} Continuous Learning Point{plural} (CLP{plural})"


def certificate_pdf(*, holder_name: str, achievement: str, title: str, subtitle: str,
                    date: datetime, credit: Decimal, code: str, verify_url: str,
                    issuer: str, instructors: str = "") -> bytes:
    """Render one certificate. `achievement` reads "completed the training session" or
    "completed the Acquisition track of"; `title` is the session or series title."""
    buffer = io.BytesIO()
    width, height = landscape(letter)
    c = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    c.setTitle(f"Certificate of completion: {title}")
    c.setAuthor(issuer)
    c.setSubject(f"Verification code {code}")
    c.setCreator("cophub")

    # Frame: a navy rule and a thin gold one inside it.
    c.setStrokeColor(NAVY)
    c.setLineWidth(6)
    c.rect(0.4 * inch, 0.4 * inch, width - 0.8 * inch, height - 0.8 * inch)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.2)
    c.rect(0.55 * inch, 0.55 * inch, width - 1.1 * inch, height - 1.1 * inch)

    text_width = width - 2.2 * inch
    c.setFillColor(NAVY)
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(width / 2, height - 1.2 * inch, issuer.upper())
    c.setFillColor(INK)
    c.setFont("Times-Bold", 40)
    c.drawCentredString(width / 2, height - 2.0 * inch, "Certificate of Completion")

    c.setFont("Helvetica", 14)
    c.setFillColor(MUTED)
    c.drawCentredString(width / 2, height - 2.7 * inch, "This certifies that")
    c.setFillColor(INK)
    size = 34  # long names shrink to fit one line rather than lose their end
    while size > 16 and stringWidth(holder_name, "Times-BoldItalic", size) > text_width:
        size -= 1
    _centred_lines(c, holder_name, y=height - 3.4 * inch, font="Times-BoldItalic", size=size,
                   width=text_width, leading=38, max_lines=1)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(2.5 * inch, height - 3.58 * inch, width - 2.5 * inch, height - 3.58 * inch)

    c.setFillColor(MUTED)
    c.setFont("Helvetica", 14)
    c.drawCentredString(width / 2, height - 4.0 * inch, achievement)
    c.setFillColor(NAVY)
    y = _centred_lines(c, title, y=height - 4.5 * inch, font="Helvetica-Bold", size=22,
                       width=text_width, leading=26)
    c.setFillColor(INK)
    if subtitle:
        y = _centred_lines(c, subtitle, y=y - 4, font="Helvetica", size=14,
                           width=text_width, leading=18, max_lines=1)
    if instructors:
        c.setFillColor(MUTED)
        _centred_lines(c, instructors, y=y - 4, font="Helvetica-Oblique", size=12,
                       width=text_width, leading=15, max_lines=2)
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 16)
    c.drawCentredString(width / 2, 2.45 * inch, _clp(credit))
    c.setFont("Helvetica", 13)
    c.drawCentredString(width / 2, 2.15 * inch, f"{date:%B} {date.day}, {date.year}")

    # Footer: how anyone can check it.
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 10)
    c.drawCentredString(width / 2, 1.05 * inch, "Verify this certificate at")
    c.setFillColor(NAVY)
    c.setFont("Helvetica-Bold", 10)
    c.drawCentredString(width / 2, 0.87 * inch, verify_url)
    c.linkURL(verify_url, (1.5 * inch, 0.8 * inch, width - 1.5 * inch, 1.0 * inch),
              relative=0)
    c.setFillColor(MUTED)
    c.setFont("Courier", 10)
    c.drawCentredString(width / 2, 0.69 * inch, f"Verification code: {code}")
    c.showPage()
    c.save()
    return buffer.getvalue()
