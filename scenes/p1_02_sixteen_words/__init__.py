"""Lesson 2: An image is worth 16x16 words, literally. Its scene, facts and script live here."""
