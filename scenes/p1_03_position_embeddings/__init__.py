"""Lesson 3: Without position embeddings, ViT can't tell where each patch was. Its scene, facts and script live here."""
