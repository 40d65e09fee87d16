"""EOC GIS dashboard for Tajikistan."""

__version__ = "0.1.0"
