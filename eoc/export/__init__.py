"""Files made from the store for people outside the EOC (the public map)."""
