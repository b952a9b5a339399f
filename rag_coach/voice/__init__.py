"""Voice practice: answers spoken into the microphone (or uploaded), transcribed on this machine, with delivery metrics.

``transcribe`` runs faster-whisper (Whisper base, CTranslate2 int8) over audio decoded by ``audio`` in bounded
windows; ``delivery`` computes speaking rate, long pauses, filler words and answer length from the word
timestamps (pure functions); ``practice`` joins them for the CLI and the mock-interview tab.
Nothing is imported or loaded until it is used.
"""
