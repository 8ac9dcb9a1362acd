package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// ConsoleSession is a console sign-in and the key it was made with.
type ConsoleSession struct {
	TokenSHA256 []byte
	Tenant      string
	KeyID       string
	CSRFToken   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// Key is the key the person signed in with, read with the session so
	// a revoked or expired key ends it.
	Key APIKey
}

// CreateConsoleSession stores a sign-in and audits it.
func (s *Store) CreateConsoleSession(ctx context.Context, cs ConsoleSession) error {
	return s.inTx(ctx, cs.Tenant, "create console session", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO console_sessions (token_sha256, tenant_id, key_id, csrf_token, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, cs.TokenSHA256, cs.Tenant, cs.KeyID, cs.CSRFToken, cs.CreatedAt, cs.ExpiresAt); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEntry{Tenant: cs.Tenant, Actor: "key:" + cs.KeyID, Action: "console.sign_in", Target: cs.KeyID})
	})
}

// ConsoleSessionByToken reads a session and its key by the token's
// SHA-256 in one query; an unknown one is core.CodeUnauthorized. Expiry
// is the caller's to check.
func (s *Store) ConsoleSessionByToken(ctx context.Context, sum []byte) (ConsoleSession, error) {
	var cs ConsoleSession
	k := &cs.Key
	err := s.asSessionOwner(sum).QueryRow(ctx, `SELECT s.token_sha256, s.tenant_id, s.key_id, s.csrf_token, s.created_at, s.expires_at,
		k.id, k.tenant_id, k.name, k.kind, k.secret_sha256, k.scopes, k.allowed_origins,
		k.expires_at, k.revoked_at, k.last_used_at, k.created_at
		FROM console_sessions s JOIN api_keys k ON k.id = s.key_id WHERE s.token_sha256 = $1`, sum).Scan(
		&cs.TokenSHA256, &cs.Tenant, &cs.KeyID, &cs.CSRFToken, &cs.CreatedAt, &cs.ExpiresAt,
		&k.ID, &k.Tenant, &k.Name, &k.Kind, &k.SecretSHA256, &k.Scopes, &k.AllowedOrigins,
		&k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt, &k.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ConsoleSession{}, core.Errorf(core.CodeUnauthorized, "the console session has ended: sign in again")
	}
	return cs, translate(err, "read console session")
}

// DeleteConsoleSession ends a session (and any expired one); ending an
// unknown session is not an error.
func (s *Store) DeleteConsoleSession(ctx context.Context, sum []byte) error {
	_, err := s.asSessionOwner(sum).Exec(ctx, `DELETE FROM console_sessions WHERE token_sha256 = $1 OR expires_at < now()`, sum)
	return translate(err, "end console session")
}
