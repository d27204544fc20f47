"""federation: signed append-only logs for social-innovation knowledge, federated."""
