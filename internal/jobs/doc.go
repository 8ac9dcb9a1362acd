// Package jobs runs supportd's background work on River, a job queue kept
// in the same PostgreSQL: the scheduled golden-set evaluation today. Any
// replica can work jobs; periodic jobs are inserted only by River's elected
// leader, and unique-by-period insertion keeps a period to one run even if
// two leaders overlap. It imports River and the job arguments' consumers
// through small function types; never the HTTP layer or cmd.
package jobs
