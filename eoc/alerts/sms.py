"""How long a text is as SMS: encoding, length in that encoding's units, and parts.

3GPP TS 23.038 §6.2.1 defines the GSM 7-bit default alphabet (and §6.2.1.1 its extension
table, whose characters take an escape plus one septet: two units); a text with any other
character (any Cyrillic letter, Tajik included) goes as UCS-2 (§6.2.3), two octets a
character. TS 23.040 §9.2.3.16/§9.2.3.24.1: a message carries 140 octets of user data, that is
160 septets or 70 UCS-2 characters; a concatenated message spends 6 octets of each part on the
user data header, leaving 153 septets or 67 characters a part.
"""

from __future__ import annotations

from dataclasses import dataclass

# TS 23.038 §6.2.1, the default alphabet in table order (0x00-0x7F; 0x1B is the escape).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# TS 23.038 §6.2.1.1, the default extension table: each costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_LIMITS = {"GSM-7": 160, "UCS-2": 70}
PART_LIMITS = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int

    def label(self) -> str:
        return f"{self.units} {self.encoding} / {self.parts}"


def sms_length(text: str) -> SmsLength:
    """The encoding an SMS gateway would use for `text`, its length and number of parts."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        encoding = "GSM-7"
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    else:
        encoding = "UCS-2"
        # Characters beyond the BMP (emoji) take two UTF-16 units (a surrogate pair).
        units = len(text.encode("utf-16-le")) // 2
    if units <= SINGLE_LIMITS[encoding]:
        parts = 1 if units else 0
    else:
        parts = -(-units // PART_LIMITS[encoding])  # ceiling division
    return SmsLength(encoding, units, parts)
