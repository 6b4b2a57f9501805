"""QR codes of offer and request URIs, as SVG and PNG (ISO/IEC 18004, via ``segno``).

A wallet scans what an agency's counter or a relying party's page shows. Error correction level
M (15 %) with segno's ``boost_error`` (a higher level when it fits in the same version) suits a
screen or paper; the quiet zone is the standard four modules.
"""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png", "qr_svg"]

_SCALE = 4


def _code(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m", boost_error=True)


def qr_svg(text: str) -> str:
    """``text`` as an SVG document (UTF-8 text, no XML declaration)."""
    out = io.BytesIO()
    _code(text).save(out, kind="svg", scale=_SCALE, xmldecl=False, svgns=True)
    return out.getvalue().decode("utf-8")


def qr_png(text: str) -> bytes:
    """``text`` as a PNG image."""
    out = io.BytesIO()
    _code(text).save(out, kind="png", scale=_SCALE)
    return out.getvalue()
