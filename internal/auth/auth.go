package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"supportd/internal/core"
	"supportd/internal/store"
)

// Scopes a key may hold. Admin implies every other scope. Agent is a
// support agent's: conversations, the review queue and feedback, in the
// API and the console; not keys, knowledge-base changes or deletion.
const (
	ScopeChat   = "chat"
	ScopeIngest = "ingest"
	ScopeEval   = "eval"
	ScopeAgent  = "agent"
	ScopeAdmin  = "admin"
)

// AllScopes lists the scopes in documentation order.
func AllScopes() []string { return []string{ScopeChat, ScopeIngest, ScopeEval, ScopeAgent, ScopeAdmin} }

// Principal is an authenticated caller.
type Principal struct {
	Tenant  string
	KeyID   string
	Widget  bool
	Scopes  []string
	Origins []string
}

// Can reports whether the caller holds scope.
func (p Principal) Can(scope string) bool {
	return slices.Contains(p.Scopes, scope) || slices.Contains(p.Scopes, ScopeAdmin)
}

// Actor names the caller in the audit log.
func (p Principal) Actor() string { return "key:" + p.KeyID }

// Keys is the store's side of keys.
type Keys interface {
	CreateAPIKey(ctx context.Context, k store.APIKey, actor string) error
	APIKeyByID(ctx context.Context, id string) (store.APIKey, error)
	TouchAPIKey(ctx context.Context, id string) error
	RevokeAPIKey(ctx context.Context, tenant, id, actor string) error
	APIKeys(ctx context.Context, tenant string) ([]store.APIKey, error)
	CreateConsoleSession(ctx context.Context, cs store.ConsoleSession) error
	ConsoleSessionByToken(ctx context.Context, sum []byte) (store.ConsoleSession, error)
	DeleteConsoleSession(ctx context.Context, sum []byte) error
}

// Service issues and verifies keys.
type Service struct {
	keys Keys
	now  func() time.Time

	mu      sync.Mutex
	touched map[string]time.Time // when this process last recorded a key's use
}

// New returns a Service over the store; now defaults to time.Now.
func New(keys Keys, now func() time.Time) *Service {
	if keys == nil {
		panic("auth.New: nil store")
	}
	if now == nil {
		now = time.Now
	}
	return &Service{keys: keys, now: now, touched: map[string]time.Time{}}
}

// CreateParams describes a key to issue.
type CreateParams struct {
	Tenant  string
	Name    string
	Scopes  []string
	Widget  bool     // publishable, chat-only, origin-bound
	Origins []string // required for widget keys: scheme://host[:port]
	TTL     time.Duration
	Actor   string
}

const (
	idLen     = 16
	secretLen = 43 // 32 bytes, base64url without padding
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Create issues a key and returns the plaintext, which is shown once and
// never stored.
func (s *Service) Create(ctx context.Context, p CreateParams) (string, store.APIKey, error) {
	if err := validate(&p); err != nil {
		return "", store.APIKey{}, err
	}
	idBytes, secret := make([]byte, 10), make([]byte, 32)
	if _, err := rand.Read(idBytes); err != nil {
		return "", store.APIKey{}, err
	}
	if _, err := rand.Read(secret); err != nil {
		return "", store.APIKey{}, err
	}
	id := idEncoding.EncodeToString(idBytes)
	secretText := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(secretText))
	k := store.APIKey{ID: id, Tenant: p.Tenant, Name: p.Name, Kind: "secret", SecretSHA256: sum[:], Scopes: p.Scopes,
		AllowedOrigins: p.Origins}
	prefix := "sk_"
	if p.Widget {
		k.Kind, prefix = "widget", "pk_"
	}
	if p.TTL > 0 {
		exp := s.now().Add(p.TTL).UTC()
		k.ExpiresAt = &exp
	}
	if err := s.keys.CreateAPIKey(ctx, k, p.Actor); err != nil {
		return "", store.APIKey{}, err
	}
	return prefix + id + "_" + secretText, k, nil
}

func validate(p *CreateParams) error {
	if p.Tenant == "" {
		return core.Errorf(core.CodeInvalid, "a key needs a tenant")
	}
	if len(p.Scopes) == 0 {
		return core.Errorf(core.CodeInvalid, "a key needs at least one scope (%s)", strings.Join(AllScopes(), ", "))
	}
	for _, sc := range p.Scopes {
		if !slices.Contains(AllScopes(), sc) {
			return core.Errorf(core.CodeInvalid, "unknown scope %q (want %s)", sc, strings.Join(AllScopes(), ", "))
		}
	}
	slices.Sort(p.Scopes)
	p.Scopes = slices.Compact(p.Scopes)
	if !p.Widget {
		if len(p.Origins) > 0 {
			return core.Errorf(core.CodeInvalid, "only widget keys are bound to origins")
		}
		return nil
	}
	if !slices.Equal(p.Scopes, []string{ScopeChat}) {
		return core.Errorf(core.CodeInvalid, "widget keys are publishable and may only hold the chat scope")
	}
	if len(p.Origins) == 0 {
		return core.Errorf(core.CodeInvalid, "a widget key needs its allowed origins")
	}
	for i, o := range p.Origins {
		norm, err := NormalizeOrigin(o)
		if err != nil {
			return err
		}
		p.Origins[i] = norm
	}
	return nil
}

// NormalizeOrigin checks an origin (scheme://host[:port], no path) and
// returns it lower-cased.
func NormalizeOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", core.Errorf(core.CodeInvalid, "origin %q must look like https://example.com[:port]", o)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// Authenticate checks a presented key. Unknown, malformed, revoked and
// expired keys are all core.CodeUnauthorized; the comparison of the
// secret takes the same time whether or not the id exists.
func (s *Service) Authenticate(ctx context.Context, presented string) (Principal, error) {
	id, secret, ok := parse(presented)
	if !ok {
		return Principal{}, core.Errorf(core.CodeUnauthorized, "malformed API key: expected sk_… or pk_…")
	}
	sum := sha256.Sum256([]byte(secret))
	k, err := s.keys.APIKeyByID(ctx, id)
	if core.ErrorCode(err) == core.CodeUnauthorized {
		subtle.ConstantTimeCompare(sum[:], make([]byte, sha256.Size))
		return Principal{}, core.Errorf(core.CodeUnauthorized, "invalid API key")
	}
	if err != nil {
		return Principal{}, err
	}
	if subtle.ConstantTimeCompare(sum[:], k.SecretSHA256) != 1 || kindPrefix(k.Kind) != presented[:3] {
		return Principal{}, core.Errorf(core.CodeUnauthorized, "invalid API key")
	}
	p, err := s.live(k)
	if err != nil {
		return Principal{}, err
	}
	if s.touchDue(k.ID) {
		_ = s.keys.TouchAPIKey(context.WithoutCancel(ctx), k.ID) // last-used time is best effort
	}
	return p, nil
}

// touchInterval is how often a process records a key's use: the store
// keeps a last-used time to the minute, and a request that writes nothing
// else should not pay a round trip for it.
const touchInterval = time.Minute

// touchDue says whether k's use should be recorded now, and notes that it
// is.
func (s *Service) touchDue(id string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.touched[id]; ok && now.Sub(last) < touchInterval {
		return false
	}
	s.touched[id] = now
	return true
}

// live returns the principal of a key that is neither revoked nor expired
// by the service's clock, or core.CodeUnauthorized.
func (s *Service) live(k store.APIKey) (Principal, error) {
	switch {
	case k.RevokedAt != nil:
		return Principal{}, core.Errorf(core.CodeUnauthorized, "API key %s was revoked", k.ID)
	case k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt):
		return Principal{}, core.Errorf(core.CodeUnauthorized, "API key %s expired at %s", k.ID, k.ExpiresAt.Format(time.RFC3339))
	}
	return Principal{Tenant: k.Tenant, KeyID: k.ID, Widget: k.Kind == "widget", Scopes: k.Scopes,
		Origins: k.AllowedOrigins}, nil
}

func kindPrefix(kind string) string {
	if kind == "widget" {
		return "pk_"
	}
	return "sk_"
}

// parse splits "sk_<id>_<secret>" into id and secret.
func parse(k string) (id, secret string, ok bool) {
	if len(k) != 3+idLen+1+secretLen || (k[:3] != "sk_" && k[:3] != "pk_") || k[3+idLen] != '_' {
		return "", "", false
	}
	return k[3 : 3+idLen], k[3+idLen+1:], true
}

// Revoke revokes one of the tenant's keys.
func (s *Service) Revoke(ctx context.Context, tenant, id, actor string) error {
	return s.keys.RevokeAPIKey(ctx, tenant, id, actor)
}

// List returns the tenant's keys.
func (s *Service) List(ctx context.Context, tenant string) ([]store.APIKey, error) {
	return s.keys.APIKeys(ctx, tenant)
}

// Describe renders a key for the CLI: its id, kind, state (active, revoked,
// or expired by the service's clock), scopes, origins and name.
func (s *Service) Describe(k store.APIKey) string {
	state := "active"
	switch {
	case k.RevokedAt != nil:
		state = "revoked"
	case k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt):
		state = "expired"
	}
	return fmt.Sprintf("%s  %-7s %-8s scopes=%s origins=%s name=%q", k.ID, k.Kind, state, strings.Join(k.Scopes, ","),
		strings.Join(k.AllowedOrigins, ","), k.Name)
}
