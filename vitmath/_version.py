# Part of every cache key: bump it whenever a change alters any number vitmath computes.
__version__ = "0.1.0"
