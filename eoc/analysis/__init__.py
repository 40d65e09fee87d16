"""Pure analysis on GeoDataFrames: no I/O, no Dash, no clock."""
