"""Reply tasks (三(四)): a committee submission's deadline, extensions, answers, ratings and co-handlers."""
