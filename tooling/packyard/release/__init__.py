"""Releasing: publishing, trusted publishing, the release pipeline and its record, pushing,
the README table.
"""
