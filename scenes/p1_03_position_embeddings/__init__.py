"""Lesson 3: Without position embeddings, ViT can't tell top from bottom. Its scene, facts and script live here."""
