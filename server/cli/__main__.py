"""`python -m server.cli` works like the `minyi` command."""
from server.cli import main

main()
