"""Settings of ``bench/api.py``'s gunicorn: production's, with the bench's URLconf, which
serves the bare views beside the whole site (``api_bare.py``, beside this file)."""

from entraide.settings import *  # noqa: F403 (the production settings, as they are)

ROOT_URLCONF = "api_bare"
