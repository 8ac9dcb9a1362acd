package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one audited action.
type AuditEntry struct {
	ID        int64          `json:"id"`
	Tenant    string         `json:"tenant"`
	Actor     string         `json:"actor"` // "key:<id>", "cli" or "system"
	Action    string         `json:"action"`
	Target    string         `json:"target"`
	Details   map[string]any `json:"details"`
	CreatedAt time.Time      `json:"created_at"`
}

func audit(ctx context.Context, q querier, e AuditEntry) error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (tenant_id, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)`,
		e.Tenant, e.Actor, e.Action, e.Target, e.Details)
	return err
}

// Audit records an action.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return translate(audit(ctx, s.as(e.Tenant), e), "write audit log")
}

// AuditLog returns the tenant's most recent entries, newest first.
func (s *Store) AuditLog(ctx context.Context, tenant string, limit int) ([]AuditEntry, error) {
	rows, err := s.as(tenant).Query(ctx, `SELECT id, tenant_id, actor, action, target, details, created_at
		FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2`, tenant, max(limit, 1))
	if err != nil {
		return nil, translate(err, "read audit log")
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AuditEntry])
	return entries, translate(err, "read audit log")
}

// AuditFilter selects a page of the audit log, newest first.
type AuditFilter struct {
	Tenant string
	// Action keeps one action ("key.create"); empty keeps all.
	Action string
	// Before pages: entries with smaller ids than this; 0 is the newest.
	Before int64
	Limit  int
}

// AuditPage returns one page of the tenant's audit log, newest first.
func (s *Store) AuditPage(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	rows, err := s.as(f.Tenant).Query(ctx, `SELECT id, tenant_id, actor, action, target, details, created_at
		FROM audit_log WHERE tenant_id = $1 AND ($2 = '' OR action = $2) AND ($3 = 0 OR id < $3)
		ORDER BY id DESC LIMIT $4`, f.Tenant, f.Action, f.Before, max(f.Limit, 1))
	if err != nil {
		return nil, translate(err, "read audit log")
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AuditEntry])
	return entries, translate(err, "read audit log")
}
