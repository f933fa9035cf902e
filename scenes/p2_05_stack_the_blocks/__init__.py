"""Lesson 9: Stack twelve identical blocks and call it a day. Its scene, facts and script live here."""
