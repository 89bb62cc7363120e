"""Home, health check, language switcher and the public information pages."""

from uprest.registry import Feature

feature = Feature("main", order=0, blueprints=("uprest.main.views:bp",))
