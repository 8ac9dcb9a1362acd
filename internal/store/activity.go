package store

import "context"

// Connections counts the connections open to this database whose
// application_name is app (pg_stat_activity): how the soak watches a
// server's pool, which tags its connections with a name of its own.
func (s *Store) Connections(ctx context.Context, app string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, app).Scan(&n)
	return n, translate(err, "count connections")
}
