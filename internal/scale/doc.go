// Package scale runs supportd as it runs in production, several `supportd
// serve` processes sharing one Postgres and one Redis behind a round-robin
// client, and checks what the design promises of that shape: limits and
// budgets hold across replicas, the answer cache is shared, scheduled jobs
// run once per period, and a replica killed or a dependency lost under
// load costs clients only retriable errors and loses no committed turn.
// `supportd scale-test` and `supportd faults` drive it.
//
// It starts the built binary (and Postgres and Redis servers for the
// fault scenarios) as child processes and reads the database as its owner
// to count turns and jobs. It imports only the standard library and pgx; it
// must not import any other supportd package: it sees supportd from
// outside, as its clients and operators do.
package scale
