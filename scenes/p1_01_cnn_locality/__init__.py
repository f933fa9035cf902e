"""Lesson 1: CNNs see locally on purpose: is that the bug at scale?. Its scene, facts and script live here."""
