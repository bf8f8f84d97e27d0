"""The yearly review page: figures per committee and unit with server-drawn charts, and its .docx."""
