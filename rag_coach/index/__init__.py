"""The index: chunks, embeddings, Chroma (dense) and BM25 (sparse), kept in atomic generations."""
