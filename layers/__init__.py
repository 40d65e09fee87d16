"""The registry of layer kinds. Adding a kind: one module, one line here, one test file."""

from layers import (
    border,
    border_checkpoints,
    country,
    displacement_sites,
    districts,
    earthquakes_historic,
    education_facilities,
    hazard_zones,
    health_facilities,
    incidents,
    infrastructure_projects,
    lakes,
    neighbours,
    places,
    population_grids,
    regions,
    rivers,
    roads,
)
from layers.conform import conform
from layers.spec import Field, LayerSpec, Style
from layers.validation import Problem, validate

# Drawing order: context from the bottom up, then the operational layers.
REGISTRY: dict[str, LayerSpec] = {
    module.SPEC.name: module.SPEC
    for module in (
        neighbours,
        population_grids,
        country,
        lakes,
        districts,
        regions,
        rivers,
        roads,
        border,
        places,
        health_facilities,
        education_facilities,
        earthquakes_historic,
        hazard_zones,
        displacement_sites,
        border_checkpoints,
        infrastructure_projects,
        incidents,
    )
}

OPERATIONAL = tuple(name for name, spec in REGISTRY.items() if spec.kind == "operational")
CONTEXT = tuple(name for name, spec in REGISTRY.items() if spec.kind == "context")


class UnknownLayerError(KeyError):
    """A layer name that is not in the registry."""

    def __str__(self) -> str:
        return f"unknown layer {self.args[0]!r}; known layers: {', '.join(REGISTRY)}"


def get(name: str) -> LayerSpec:
    """The spec of layer `name`."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownLayerError(name) from None


__all__ = [
    "CONTEXT",
    "OPERATIONAL",
    "REGISTRY",
    "Field",
    "LayerSpec",
    "Problem",
    "Style",
    "UnknownLayerError",
    "conform",
    "get",
    "validate",
]
