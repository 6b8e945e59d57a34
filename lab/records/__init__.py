"""Result sets as the later stages read them (lab/RECORDS.md): finding sets,
the JSON Schemas (lab/schema/), validation, merging and importing."""
