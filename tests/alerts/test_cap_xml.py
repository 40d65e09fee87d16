"""CAP 1.2 XML: every message type validates against the OASIS schema and parses back."""

from dataclasses import replace
from datetime import timedelta

import capvalidator
import pytest
from lxml import etree

from eoc.alerts.cap_xml import (
    CAP_NS,
    build_cap_xml,
    check_cap_xml,
    parse_cap_xml,
    schema_problems,
)
from eoc.alerts.model import AlertError, check_alert
from tests.alerts.conftest import NOW


@pytest.mark.parametrize("status", ["Actual", "Exercise", "Test"])
@pytest.mark.parametrize("msg_type", ["Alert", "Update", "Cancel"])
@pytest.mark.parametrize("scope", ["Public", "Restricted"])
def test_every_message_type_validates_and_parses_back(earthquake_alert, status, msg_type, scope):
    alert = replace(
        earthquake_alert,
        status=status,
        msg_type=msg_type,
        scope=scope,
        restriction="CoES staff and humanitarian partners" if scope == "Restricted" else "",
        references=() if msg_type == "Alert" else ("eoc@coes.tj,TJ-1,2026-11-21T03:30:00-00:00",),
    )
    check_alert(alert, now=NOW)
    document = build_cap_xml(alert)
    assert schema_problems(document) == []
    assert parse_cap_xml(document) == alert
    # And read by another CAP parser: the validator's own (capvalidator, a schema-validating
    # lxml parser independent of eoc.alerts.cap_xml).
    assert capvalidator.check_schema(document).passed
    dates = capvalidator.get_dates(document)
    assert dates.sent == "2026-11-21T04:00:00-00:00"
    assert dates.expiry == "2026-11-21T16:00:00-00:00"


def test_times_use_numeric_utc_zone(earthquake_alert):
    root = etree.fromstring(build_cap_xml(earthquake_alert))
    sent = root.find(f"{{{CAP_NS}}}sent").text
    assert sent == "2026-11-21T04:00:00-00:00"  # CAP 1.2 §3.3.2: no "Z"


def test_one_info_per_language_with_its_own_text(earthquake_alert):
    root = etree.fromstring(build_cap_xml(earthquake_alert))
    ns = {"c": CAP_NS}
    assert root.xpath("c:info/c:language/text()", namespaces=ns) == ["tg", "ru", "en"]
    assert root.xpath("c:info[c:language='ru']/c:headline/text()", namespaces=ns) == [
        "Сильное землетрясение"
    ]


def test_text_with_markup_characters_is_escaped_not_injected(earthquake_alert):
    info = replace(earthquake_alert.infos[2], description="<script>x</script> & </info>")
    alert = replace(earthquake_alert, infos=(*earthquake_alert.infos[:2], info))
    document = build_cap_xml(alert)
    assert schema_problems(document) == []
    assert parse_cap_xml(document).info("en").description == "<script>x</script> & </info>"


def test_schema_catches_a_broken_document(earthquake_alert):
    document = build_cap_xml(earthquake_alert).replace(b"<status>Actual", b"<status>Maybe")
    assert schema_problems(document)
    with pytest.raises(AlertError, match="not valid CAP 1.2"):
        check_cap_xml(document)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: replace(a, infos=a.infos[:2]), "info[en]"),
        (lambda a: replace(a, identifier="has space"), "identifier"),
        (lambda a: replace(a, scope="Restricted"), "restriction"),
        (lambda a: replace(a, msg_type="Update"), "references"),
        (lambda a: replace(a, status="Draft"), "status"),
        (
            lambda a: replace(
                a, infos=(replace(a.infos[0], expires=NOW - timedelta(hours=1)), *a.infos[1:])
            ),
            "info[tg].expires",
        ),
        (
            lambda a: replace(
                a,
                infos=(
                    replace(
                        a.infos[0], onset=NOW + timedelta(hours=5), expires=NOW + timedelta(hours=2)
                    ),
                    *a.infos[1:],
                ),
            ),
            "info[tg].expires",
        ),
        (
            lambda a: replace(a, infos=(*a.infos[:2], replace(a.infos[2], headline="x" * 161))),
            "info[en].headline",
        ),
        (
            lambda a: replace(a, area=replace(a.area, polygons=("38,72 39,73 38,73 39,72 38,72",))),
            "area.polygon[1]",
        ),
    ],
)
def test_bad_input_names_the_field(earthquake_alert, change, field):
    with pytest.raises(AlertError) as caught:
        check_alert(change(earthquake_alert), now=NOW)
    assert caught.value.field == field
