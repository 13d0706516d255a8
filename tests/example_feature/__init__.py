"""The worked example of docs/DEVELOPERS.md: a "Memos" feature (a service, two permissions, a tab, a CLI
command, a demo builder, a setting) plugged in with new files plus one line in ``features.FEATURES``.

``tests/test_feature_seam.py`` plugs it in and drives every part, so the example cannot rot."""
