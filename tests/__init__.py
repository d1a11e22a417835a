"""TickerPulse test suite (a package, so no installed `tests` module can shadow it)."""
