"""Mock interviews: bank questions, hints and follow-ups, answer screening, rubric grading with structured feedback.

Import the submodules directly (``rag_coach.interview.session`` etc.); nothing is loaded at import time.
"""
