"""Pure builders of figures and page parts."""
