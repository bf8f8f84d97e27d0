"""The counterpart table: the file, one unit or pattern at a time, saved versions, a notice's lists, sub-units."""
