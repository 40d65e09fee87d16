"""Live sources turned into layer rows (the USGS earthquake feed, later others).

A feed module reads its source (a file or a URL), turns it into rows of a layer, and plans the
edits that bring the store up to date; the caller applies them in one transaction.
"""
