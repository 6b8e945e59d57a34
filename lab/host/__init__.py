"""This host: its hardware facts, profile id and profile documents (hw-profiles/)."""
