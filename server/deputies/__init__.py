"""代表工作 (deputy work): contact stations, reception days, the duty record and the duty score."""
