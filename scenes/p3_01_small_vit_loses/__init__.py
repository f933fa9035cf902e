"""Lesson 10: A small ViT loses to a small CNN on a small dataset. Its scene, facts and script live here."""
