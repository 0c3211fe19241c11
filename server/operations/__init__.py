"""Operating the platform: when each periodic job last ran, and the figures `/metrics` reports."""
