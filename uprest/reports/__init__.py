"""Municipality reports: territories, aggregates and the suppression of small cells (issue 14).

For now only the pure disclosure-control rule lives here (`uprest.reports.rules`); the package declares no
registry feature yet.
"""
