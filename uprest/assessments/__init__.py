"""Skills-gap assessment: runs, responses, scoring and results."""
