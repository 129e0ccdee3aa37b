"""Repository chores: new, rename, remove and list packages."""
