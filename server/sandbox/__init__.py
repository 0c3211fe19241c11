"""The sandbox: a local WeChat platform, served at /sandbox while no real WeChat app is configured."""
