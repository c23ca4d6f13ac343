"""One module per database engine, each registering its Sink for its URL schemes."""
