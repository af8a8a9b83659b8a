"""Temporal workflows coordinating each apprentice's journey, their activities, worker and event bridge."""
