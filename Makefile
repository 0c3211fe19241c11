.PHONY: serve test lint bench bench-smoke

serve:  ## set up and serve everything on http://127.0.0.1:5000 (SQLite, demo data, sandbox)
	scripts/serve

test:  ## install and run every test (SQLite and PostgreSQL)
	scripts/test

lint:
	.venv/bin/ruff check server bot miniapp_api tests
