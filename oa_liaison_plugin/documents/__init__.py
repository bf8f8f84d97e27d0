"""Documents: reading issued .docx safely and writing GB/T 9704 drafts."""
