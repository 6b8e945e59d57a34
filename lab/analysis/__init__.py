"""Reading result sets (lab/RECORDS.md) and the statistics built on them:
derived metrics, medians with their CIs (order statistics), comparisons, bimodality."""
