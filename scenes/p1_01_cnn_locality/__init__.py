"""Lesson 1: CNNs see locally on purpose, and that's the bug at scale. Its scene, facts and script live here."""
