"""The Signing tab: envelopes, their editor, the signing view with signature capture, and validation of any PDF."""
