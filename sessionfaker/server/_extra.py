"""The one place that checks the ``server`` extra is installed (imported first)."""

from __future__ import annotations

from ..errors import require_extra

for _module in ("starlette", "uvicorn"):
    require_extra("server", _module, "the server")
