"""Course modules: the public catalogue, trainer authoring, the courses/ importer and exporter."""
