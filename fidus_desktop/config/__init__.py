"""Where things live on this workstation, the settings file, secrets in the OS keyring, and logging."""
