"""The quiz: its files (questions, keys), students' answers, scoring and the Markdown."""
