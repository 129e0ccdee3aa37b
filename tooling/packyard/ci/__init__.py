"""CI: packages changed between refs or since their last release, and the pipelines that run
them.
"""
