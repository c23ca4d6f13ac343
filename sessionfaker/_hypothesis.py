"""The ``hypothesis`` entry point: ``st.from_type(sessionfaker.Session)``.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported. The
hook registers a callable rather than a strategy, so nothing (no profile, no
vocabulary) loads until a test asks for a ``Session``.
"""

from __future__ import annotations

from typing import Any


def _session_strategy(_: type[Any]) -> Any:
    from .strategies import sessions

    return sessions()


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from .session import Session

    st.register_type_strategy(Session, _session_strategy)
