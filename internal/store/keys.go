package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// APIKey is a stored key; the secret itself is never stored, only its
// SHA-256.
type APIKey struct {
	ID             string     `json:"id"`
	Tenant         string     `json:"tenant"`
	Name           string     `json:"name"`
	Kind           string     `json:"kind"` // "secret" or "widget"
	SecretSHA256   []byte     `json:"-"`
	Scopes         []string   `json:"scopes"`
	AllowedOrigins []string   `json:"allowed_origins"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt     *time.Time `json:"last_used_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

const keyColumns = `id, tenant_id, name, kind, secret_sha256, scopes, allowed_origins,
	expires_at, revoked_at, last_used_at, created_at`

// CreateAPIKey stores a key (creating its tenant on first use) and audits
// it, in one transaction.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey, actor string) error {
	return s.inTx(ctx, k.Tenant, "create api key", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, k.Tenant); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO api_keys (id, tenant_id, name, kind, secret_sha256, scopes, allowed_origins, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			k.ID, k.Tenant, k.Name, k.Kind, k.SecretSHA256, k.Scopes, nonNilSlice(k.AllowedOrigins), k.ExpiresAt); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEntry{Tenant: k.Tenant, Actor: actor, Action: "key.create", Target: k.ID,
			Details: map[string]any{"name": k.Name, "kind": k.Kind, "scopes": k.Scopes, "origins": k.AllowedOrigins}})
	})
}

// APIKeyByID reads a key of any tenant by its public id, or
// core.CodeUnauthorized when there is none (callers authenticate with it).
func (s *Store) APIKeyByID(ctx context.Context, id string) (APIKey, error) {
	rows, err := s.asKeyOwner(id).Query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = $1`, id)
	if err != nil {
		return APIKey{}, translate(err, "read api key")
	}
	k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[APIKey])
	if errors.Is(err, pgx.ErrNoRows) {
		return APIKey{}, core.Errorf(core.CodeUnauthorized, "invalid API key")
	}
	return k, translate(err, "read api key")
}

// TouchAPIKey records a key's use, at most once a minute per key so that
// authentication does not write on every request.
func (s *Store) TouchAPIKey(ctx context.Context, id string) error {
	_, err := s.asKeyOwner(id).Exec(ctx, `UPDATE api_keys SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	return translate(err, "record api key use")
}

// RevokeAPIKey revokes the tenant's key and audits it; an unknown key is
// core.CodeNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, tenant, id, actor string) error {
	defer s.changed(Change{Table: TableAPIKeys, ID: id})
	return s.inTx(ctx, tenant, "revoke api key", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
			WHERE tenant_id = $1 AND id = $2`, tenant, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return core.Errorf(core.CodeNotFound, "API key %s does not exist", id)
		}
		return audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: actor, Action: "key.revoke", Target: id})
	})
}

// APIKeys lists the tenant's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, tenant string) ([]APIKey, error) {
	rows, err := s.as(tenant).Query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id`, tenant)
	if err != nil {
		return nil, translate(err, "list api keys")
	}
	keys, err := pgx.CollectRows(rows, pgx.RowToStructByPos[APIKey])
	return keys, translate(err, "list api keys")
}

// WidgetOriginAllowed reports whether any live widget key admits origin.
// CORS preflights carry no credentials, so they are answered on this,
// across tenants, by the owner's widget_origin_allowed (migration 00020),
// which says yes or no and nothing else.
func (s *Store) WidgetOriginAllowed(ctx context.Context, origin string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT widget_origin_allowed($1)`, origin).Scan(&ok)
	return ok, translate(err, "check widget origin")
}
