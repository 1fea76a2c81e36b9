"""do-emulator: DigitalOcean's REST API v2, Spaces, OAuth and droplet metadata, offline."""

__version__ = "0.1.0"
