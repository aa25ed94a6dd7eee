"""Evaluation: a garment-parser judge trained on CCP, translation metrics, reports and model comparison."""
