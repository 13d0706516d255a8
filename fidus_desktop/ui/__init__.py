"""Qt only: views, Qt models, dialogs and workers. Talks to services, never to a store adapter."""
