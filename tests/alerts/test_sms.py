"""SMS lengths (3GPP TS 23.038 alphabets, TS 23.040 part sizes)."""

import pytest

from eoc.alerts.sms import sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension table: two septets each
        ("б" * 70, "UCS-2", 70, 1),
        ("б" * 71, "UCS-2", 71, 2),
        ("ҳ" * 134, "UCS-2", 134, 2),
        ("ҳ" * 135, "UCS-2", 135, 3),
        ("Flood: move up" + "ӣ", "UCS-2", 15, 1),  # one Tajik letter makes it all UCS-2
    ],
)
def test_sms_length(text, encoding, units, parts):
    found = sms_length(text)
    assert (found.encoding, found.units, found.parts) == (encoding, units, parts)
