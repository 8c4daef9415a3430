"""The bookings domain: places on event occurrences, the waitlist, manage links and feedback."""
