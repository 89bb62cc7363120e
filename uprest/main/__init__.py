"""main pages."""
