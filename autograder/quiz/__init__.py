"""The quiz: questions and keys, answer normalisation, scoring and renderings."""
