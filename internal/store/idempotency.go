package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// IdempotencyID names one Idempotency-Key: its tenant, the principal that
// sent it, and the key's SHA-256.
type IdempotencyID struct {
	Tenant, Principal string
	KeySHA256         []byte
}

// IdempotencyClaim is a request that wants to be the first with its key.
type IdempotencyClaim struct {
	ID IdempotencyID
	// Route is the method and route pattern; Fingerprint the SHA-256 of
	// the request as sent.
	Route       string
	Fingerprint []byte
	// Now stamps the claim, which expires at Expires. A claim still in
	// flight that was made before StaleBefore is abandoned (its process
	// died) and may be taken over.
	Now, Expires, StaleBefore time.Time
}

// IdempotentResponse is a stored response; Body is as the caller stored it
// (encrypted).
type IdempotentResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// IdempotencyRecord is the earlier request with a key: in flight until
// Done, then with its response.
type IdempotencyRecord struct {
	Route       string
	Fingerprint []byte
	Done        bool
	Response    IdempotentResponse
}

// ClaimIdempotencyKey makes this request the one that does the work for
// its key: claimed is true when no live request had it (none, an expired
// one, or an abandoned one in flight); otherwise rec is the earlier
// request.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, c IdempotencyClaim) (claimed bool, rec IdempotencyRecord, err error) {
	// A retry can find the earlier claim released between the two
	// statements; it then claims again.
	for range 3 {
		tag, err := s.as(c.ID.Tenant).Exec(ctx, `
			INSERT INTO idempotency_keys AS k (tenant_id, principal, key_sha256, route, fingerprint, status, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, 'in_flight', $6, $7)
			ON CONFLICT (tenant_id, principal, key_sha256) DO UPDATE
			SET route = EXCLUDED.route, fingerprint = EXCLUDED.fingerprint, status = 'in_flight', response_status = NULL,
			    response_headers = NULL, response_body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
			WHERE k.expires_at <= $6 OR (k.status = 'in_flight' AND k.created_at < $8)`,
			c.ID.Tenant, c.ID.Principal, c.ID.KeySHA256, c.Route, c.Fingerprint, c.Now, c.Expires, c.StaleBefore)
		if err != nil {
			return false, rec, translate(err, "claim idempotency key")
		}
		if tag.RowsAffected() == 1 {
			return true, rec, nil
		}
		var status string
		var code *int
		err = s.as(c.ID.Tenant).QueryRow(ctx, `SELECT route, fingerprint, status, response_status, response_headers, response_body
			FROM idempotency_keys WHERE tenant_id = $1 AND principal = $2 AND key_sha256 = $3`,
			c.ID.Tenant, c.ID.Principal, c.ID.KeySHA256).Scan(&rec.Route, &rec.Fingerprint, &status, &code, &rec.Response.Header, &rec.Response.Body)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, rec, translate(err, "read idempotency key")
		}
		rec.Done = status == "done"
		if code != nil {
			rec.Response.Status = *code
		}
		return false, rec, nil
	}
	return false, rec, translate(errors.New("idempotency key claimed and released three times over"), "claim idempotency key")
}

// CompleteIdempotencyKey stores the response of the request that claimed
// the key, for its retries.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, id IdempotencyID, r IdempotentResponse) error {
	_, err := s.as(id.Tenant).Exec(ctx, `UPDATE idempotency_keys SET status = 'done', response_status = $4, response_headers = $5, response_body = $6
		WHERE tenant_id = $1 AND principal = $2 AND key_sha256 = $3 AND status = 'in_flight'`,
		id.Tenant, id.Principal, id.KeySHA256, r.Status, r.Header, r.Body)
	return translate(err, "store idempotent response")
}

// ReleaseIdempotencyKey forgets a claim whose request failed in a way a
// retry may fix (5xx, 429): the retry does the work.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, id IdempotencyID) error {
	_, err := s.as(id.Tenant).Exec(ctx, `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND principal = $2 AND key_sha256 = $3 AND status = 'in_flight'`,
		id.Tenant, id.Principal, id.KeySHA256)
	return translate(err, "release idempotency key")
}

// PurgeIdempotencyKeys deletes the keys expired by now.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.eachTenant(ctx, "purge idempotency keys", func(tenant string, q querier) error {
		tag, err := q.Exec(ctx, `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND expires_at <= $2`, tenant, now)
		n += tag.RowsAffected()
		return err
	})
	return n, err
}
