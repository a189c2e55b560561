"""Simulated clinic: synthetic participants with color+depth recordings and exact ground truth."""
