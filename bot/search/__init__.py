"""Public-service search: the knowledge base, embeddings, the FAISS index and retrieval."""
