"""Real HTTP servers on 127.0.0.1 that stand in for the outside world in tests and benches:
news feeds and APIs (feed_server), an OpenAI-compatible endpoint (openai_server) and a
webhook receiver (webhook_server). No test or bench ever reaches the internet."""
