"""Warnings out: CAP 1.2 alerts, their two-person workflow and the messaging library."""
