"""The coaching chat: prompts, grounded turns, citations."""
