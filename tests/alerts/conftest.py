from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import Polygon

from eoc.alerts.model import ALERT_LANGUAGES, Alert, Area, Geocode, Info

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
SQUARE_IN_GBAO = Polygon([(72.0, 38.0), (73.0, 38.0), (73.0, 38.5), (72.0, 38.5), (72.0, 38.0)])


def make_info(lang: str, **changes) -> Info:
    values = dict(
        language=lang,
        category="Geo",
        event={"tg": "Заминҷунбӣ", "ru": "Землетрясение", "en": "Earthquake"}[lang],
        urgency="Immediate",
        severity="Extreme",
        certainty="Observed",
        headline={"tg": "Заминҷунбии шадид", "ru": "Сильное землетрясение", "en": "Strong quake"}[
            lang
        ],
        description="M7.2",
        instruction="Stay out of damaged buildings.",
        onset=NOW,
        expires=NOW + timedelta(hours=12),
    )
    values.update(changes)
    return Info(**values)


@pytest.fixture
def earthquake_alert() -> Alert:
    return Alert(
        identifier="TJ-CoES-EOC.20261121040000.0001",
        sender="eoc@coes.tj",
        sent=NOW,
        status="Actual",
        msg_type="Alert",
        scope="Public",
        infos=tuple(make_info(lang) for lang in ALERT_LANGUAGES),
        area=Area(
            "Murghob District",
            ("38.0000,72.0000 38.0000,73.0000 38.5000,73.0000 38.5000,72.0000 38.0000,72.0000",),
            (Geocode("ISO3166-2", "TJ-GB"),),
        ),
    )
