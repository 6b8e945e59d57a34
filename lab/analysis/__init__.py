"""Reading result sets (lab/RECORDS.md) and the statistics built on them:
derived metrics, medians with bootstrap CIs, comparisons, bimodality."""
