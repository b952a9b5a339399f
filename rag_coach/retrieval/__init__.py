"""Retrieval over the index: BM25, dense (Chroma), and their fusion, with company/round/kind filters."""
