"""Employer matching service: employers, positions, pseudonymous profiles, explainable ranking, shortlists,
interviews, offers and fair training contracts."""
