// A child process for the event log's two-process tests: appends or reads a tenant's events
// in a data directory shared with the test process. Usage is defined by the tests.
print("eventlog-child: not implemented yet")
