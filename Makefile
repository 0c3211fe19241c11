.PHONY: serve test lint bench bench-smoke

serve:  ## set up and serve everything on http://127.0.0.1:5000 (SQLite, demo data, sandbox)
	scripts/serve

test:  ## install and run every test (SQLite and PostgreSQL)
	scripts/test

bench:  ## the full benchmark (~15 min on 2 cores): bench/results/latest.json and a Markdown table
	scripts/bench

bench-smoke:  ## the benchmark at tiny sizes (under a minute): bench/results/smoke.json; the test suite runs it too
	scripts/bench --smoke

lint:
	.venv/bin/ruff check server bot miniapp_api tests bench
