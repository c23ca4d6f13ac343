"""The one place that checks the ``server`` extra is installed (imported first)."""

from __future__ import annotations

from ..stats import require

for _module in ("starlette", "uvicorn"):
    require(_module, "the server", "server")
