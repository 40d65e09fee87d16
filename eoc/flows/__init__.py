"""Flow monitoring at border points (IOM DTM registry): its values, import, store and seed."""
