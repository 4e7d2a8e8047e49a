"""Meaning: the inference worker thread (summaries and embeddings), hybrid search, topic matching."""
