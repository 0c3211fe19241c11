"""Personal data (PIPL): a resident's export and erasure, the retention of closed cases, and the record
of which staff member was shown which reporter's contact."""
