"""User accounts, roles, sign-in sessions and the password policy."""
