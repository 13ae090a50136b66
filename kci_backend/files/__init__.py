"""Files under the storage root: safe paths, atomic writes, multipart intake."""
