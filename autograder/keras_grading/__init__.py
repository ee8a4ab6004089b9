"""Grading Keras models as data: safe rebuild, architecture diff, seeded training.

``describe`` checks a model's JSON config and rebuilds it in safe mode, ``compare``
turns two descriptions into readable differences, ``data`` supplies the images,
and ``train`` trains with a fixed seed behind a memo so equal models train once.
Keras is imported inside the functions that need it.
"""
