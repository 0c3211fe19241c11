"""The one API that the bot, the REST API, the console, the scheduler and the CLI call."""
