"""Data in and out: imports that never lose data, exports QGIS, HDX and partners read.

`importer` reads a file (`readers`, after `safety`), matches its columns (`columns`),
reprojects it (`crs`), checks where it is (`geography`) and writes it in one store
transaction; `exporters` write a layer as GeoPackage, HXL-tagged CSV or GeoJSON.
"""
