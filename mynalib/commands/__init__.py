"""The ``myna`` sub-commands, one module per area. Each module exports ``COMMANDS``.

Modules import heavy libraries (pandas, httpx, pyscard, starlette) inside the command functions,
so that ``myna --help`` stays fast.
"""

MODULES = ("card", "signing", "data", "tax", "portal", "phone", "apply", "demo", "serve", "samples")
