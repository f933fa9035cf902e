"""Lesson 7: Every patch asks every patch: 'how related are we?'. Its scene, facts and script live here."""
