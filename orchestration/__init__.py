"""TickerPulse: financial news in, per-ticker sentiment out."""
