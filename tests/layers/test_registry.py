"""Conventions every layer spec keeps."""

from __future__ import annotations

import pytest

import layers

OPERATIONAL = [
    "displacement_sites",
    "hazard_zones",
    "border_checkpoints",
    "infrastructure_projects",
    "incidents",
]


def test_the_operational_layers_are_registered():
    assert sorted(layers.OPERATIONAL) == sorted(OPERATIONAL)


def test_context_layers_named_by_the_foundation_are_registered():
    for name in ("country", "regions", "districts", "neighbours", "rivers", "roads", "places"):
        assert layers.get(name).kind == "context"


def test_an_unknown_layer_is_named_with_the_known_ones():
    with pytest.raises(layers.UnknownLayerError, match="unknown layer 'sites'; known layers"):
        layers.get("sites")


@pytest.mark.parametrize("name", list(layers.REGISTRY))
def test_every_spec_has_an_id_field_that_is_required(name):
    spec = layers.get(name)
    assert spec.field(spec.id_field).required


@pytest.mark.parametrize("name", OPERATIONAL)
def test_operational_layers_state_their_public_fields_and_tooltips(name):
    spec = layers.get(name)
    assert spec.public_fields, "a donor map needs at least one public field"
    assert spec.tooltip


def test_protection_shelters_are_marked_sensitive_by_a_non_public_field():
    spec = layers.get("displacement_sites")
    assert spec.sensitive_field == "sensitive"
    assert not spec.field("sensitive").public
    assert "protection_shelter" in spec.field("site_type").allowed


def test_checkpoint_staffing_is_not_public():
    spec = layers.get("border_checkpoints")
    assert set(spec.public_fields) == {"name", "name_tg", "name_ru", "status"}


def test_every_text_field_has_a_length_limit_and_every_number_a_range():
    for spec in layers.REGISTRY.values():
        for f in spec.fields:
            if f.type == "str":
                assert f.length_limit and f.length_limit <= 5000, (spec.name, f.name)
            if f.type in ("int", "float"):
                assert f.lowest is not None and f.highest is not None, (spec.name, f.name)
                assert abs(f.highest) < 1e16, (spec.name, f.name)
