package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"

	"supportd/internal/core"
	"supportd/internal/store"
)

// SessionTTL is how long a console sign-in lasts.
const SessionTTL = 8 * time.Hour

// Session is a person signed in to the console: the key's principal, the
// CSRF token every form of the session carries, and when it ends.
type Session struct {
	Principal
	CSRF      string
	ExpiresAt time.Time
}

// Agent reports whether the session may use the console at all: agents
// and admins may.
func (s Session) Agent() bool { return s.Can(ScopeAgent) }

// Admin reports whether the session may manage keys, knowledge bases and
// deletion.
func (s Session) Admin() bool { return s.Can(ScopeAdmin) }

// SignIn exchanges an admin or agent key for a console session. The
// returned token goes into the session cookie; only its SHA-256 is
// stored. A widget key or one without either scope is core.CodeForbidden.
func (s *Service) SignIn(ctx context.Context, presented string) (string, Session, error) {
	p, err := s.Authenticate(ctx, presented)
	if err != nil {
		return "", Session{}, err
	}
	if p.Widget || !p.Can(ScopeAgent) {
		return "", Session{}, core.Errorf(core.CodeForbidden, "the console needs a key with the agent or admin scope")
	}
	token, csrf := rand.Text()+rand.Text(), rand.Text()
	now := s.now().UTC()
	sum := sha256.Sum256([]byte(token))
	sess := Session{Principal: p, CSRF: csrf, ExpiresAt: now.Add(SessionTTL)}
	err = s.keys.CreateConsoleSession(ctx, store.ConsoleSession{TokenSHA256: sum[:], Tenant: p.Tenant, KeyID: p.KeyID,
		CSRFToken: csrf, CreatedAt: now, ExpiresAt: sess.ExpiresAt})
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// Session returns the live session of a cookie's token. An unknown or
// expired session, or one whose key was revoked or expired or lost its
// scopes, is core.CodeUnauthorized.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, core.Errorf(core.CodeUnauthorized, "sign in to use the console")
	}
	sum := sha256.Sum256([]byte(token))
	cs, err := s.keys.ConsoleSessionByToken(ctx, sum[:])
	if err != nil {
		return Session{}, err
	}
	if !s.now().Before(cs.ExpiresAt) {
		return Session{}, core.Errorf(core.CodeUnauthorized, "the console session expired: sign in again")
	}
	p, err := s.live(cs.Key)
	if err != nil {
		return Session{}, err
	}
	if !p.Can(ScopeAgent) {
		return Session{}, core.Errorf(core.CodeUnauthorized, "the key of this session no longer has the agent or admin scope")
	}
	return Session{Principal: p, CSRF: cs.CSRFToken, ExpiresAt: cs.ExpiresAt}, nil
}

// SignOut ends the session of a cookie's token.
func (s *Service) SignOut(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	return s.keys.DeleteConsoleSession(ctx, sum[:])
}
