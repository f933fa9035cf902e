"""Lesson 11: Choose your prior: built-in or learned. Its scene, facts and script live here."""
