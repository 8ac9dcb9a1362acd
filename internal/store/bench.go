package store

import (
	"context"
	"fmt"
)

// DeleteKB removes the tenant's named knowledge base with its documents,
// chunks and term statistics, and says whether it existed. Conversations and
// turns that referred to it keep their rows with the reference cleared. The
// benchmarks use it to start each run from an empty knowledge base.
func (s *Store) DeleteKB(ctx context.Context, tenant, name string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM knowledge_bases WHERE tenant_id = $1 AND name = $2`, tenant, name)
	if err != nil {
		return false, translate(err, "delete knowledge base")
	}
	return tag.RowsAffected() > 0, nil
}

// ServerVersion names the PostgreSQL and pgvector versions, such as
// "PostgreSQL 16.4, pgvector 0.8.0", so benchmark figures say what they
// were measured on.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	var pg, vec string
	err := s.pool.QueryRow(ctx, `SELECT current_setting('server_version'),
		coalesce((SELECT extversion FROM pg_extension WHERE extname = 'vector'), 'absent')`).Scan(&pg, &vec)
	if err != nil {
		return "", translate(err, "read server version")
	}
	return fmt.Sprintf("PostgreSQL %s, pgvector %s", pg, vec), nil
}
