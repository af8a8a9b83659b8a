"""Use cases of the matching service, one module per group; each runs in one transaction.

- employers: register and change employers, their sites and agreement; API keys (create, list, revoke);
- positions: create, change, publish, close; release a place (the journey's compensation);
- ranking: match requests and their explained ranking, the officer's decisions, candidates for a position;
- placement: interviews, offers and the candidate's answer;
- contracts: draft, amend, the fair-recruitment checks, acknowledgement, signature, registrations;
- profiles: the pseudonymous profiles built from the applications and training events.
"""
