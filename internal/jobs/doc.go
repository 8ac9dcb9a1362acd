// Package jobs runs supportd's background work on River, a job queue kept
// in the same PostgreSQL: the scheduled golden-set evaluation today. Any
// replica can work jobs; periodic jobs are inserted only by River's elected
// leader, and unique-by-period insertion keeps a period to one run even if
// two leaders overlap.
//
// It imports River; the work itself (eval runs, drift reports, purges in
// the store) reaches it through small function types, so it need import
// neither eval nor the store, and it must not import the HTTP layer or cmd.
package jobs
