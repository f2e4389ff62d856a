"""Pure helpers that turn dirty cells into typed values: numbers, dates, text, names."""
