"""Corpus documents: discovery, metadata validation and parsing into sections, questions and mistakes."""
