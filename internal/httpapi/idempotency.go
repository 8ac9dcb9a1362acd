package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"supportd/internal/core"
	"supportd/internal/store"
)

// IdempotencyKeys stores Idempotency-Key claims and the responses they
// made (store.Store); each method's errors are coded.
type IdempotencyKeys interface {
	ClaimIdempotencyKey(ctx context.Context, c store.IdempotencyClaim) (bool, store.IdempotencyRecord, error)
	CompleteIdempotencyKey(ctx context.Context, id store.IdempotencyID, r store.IdempotentResponse) error
	ReleaseIdempotencyKey(ctx context.Context, id store.IdempotencyID) error
}

// Idempotency makes retried mutating requests safe: the first response to
// a request with an Idempotency-Key is stored and replayed to its retries.
type Idempotency struct {
	// Keys stores them; nil turns the header off.
	Keys IdempotencyKeys
	// TTL is how long a key is remembered; default 24 h.
	TTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	// abandonedAfter is how long a claim may stay in flight before it
	// counts as abandoned by a process that died mid-request.
	abandonedAfter = 10 * time.Minute
)

// storedHeaders are the response headers a replay repeats.
var storedHeaders = []string{echo.HeaderContentType, echo.HeaderLocation, echo.HeaderCacheControl}

// idempotent is the route option for mutating routes. Without the header
// the request goes through as ever. With it: the first request does the
// work and its response is stored, unless it is one a retry may change
// (5xx, 408, 425, 429); a retry of the same request (same method, path,
// query and body) gets that response again with Idempotent-Replayed: true;
// the key with a different request is 422; the key while the first is
// still in flight is 409. Keys are scoped to the tenant and the calling
// key. Bodies are stored encrypted under a key derived from the
// Idempotency-Key, which only the client knows.
func idempotent(d Idempotency) echo.MiddlewareFunc {
	ttl := cmp.Or(d.TTL, 24*time.Hour)
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			raw := c.Request().Header.Get(headerIdempotencyKey)
			if raw == "" || d.Keys == nil {
				return next(c)
			}
			key, err := parseIdempotencyKey(raw)
			if err != nil {
				return err
			}
			fp, err := fingerprint(c.Request())
			if err != nil {
				return err
			}
			p := principal(c)
			salt := p.Tenant + "\x00" + p.Actor()
			sum := sha256.Sum256([]byte(key))
			id := store.IdempotencyID{Tenant: p.Tenant, Principal: p.Actor(), KeySHA256: sum[:]}
			t := now().UTC()
			ctx := c.Request().Context()
			claimed, rec, err := d.Keys.ClaimIdempotencyKey(ctx, store.IdempotencyClaim{ID: id,
				Route: c.Request().Method + " " + c.Path(), Fingerprint: fp, Now: t, Expires: t.Add(ttl), StaleBefore: t.Add(-abandonedAfter)})
			if err != nil {
				return err
			}
			if !claimed {
				return replay(c, rec, fp, key, salt)
			}
			return record(c, next, d.Keys, id, key, salt)
		}
	}
}

// parseIdempotencyKey reads the header: a structured-field string as the
// IETF draft writes it ("…"), or the bare token most clients send.
func parseIdempotencyKey(raw string) (string, error) {
	key := raw
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		key = raw[1 : len(raw)-1]
	}
	ok := len(key) >= 16 && len(key) <= 255
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f && key[i] != '"' && key[i] != '\\'
	}
	if !ok {
		return "", core.Errorf(core.CodeInvalid, "Idempotency-Key must be 16 to 255 visible ASCII characters, such as a UUID")
	}
	return key, nil
}

// replay answers a retry from the earlier request with its key.
func replay(c echo.Context, rec store.IdempotencyRecord, fp []byte, key, salt string) error {
	switch {
	case !rec.Done:
		c.Response().Header().Set("Retry-After", "1")
		return core.Errorf(core.CodeIdempotencyInFlight, "a request with this Idempotency-Key is still being processed; retry it later")
	case !bytes.Equal(rec.Fingerprint, fp):
		return core.Errorf(core.CodeIdempotencyMismatch, "this Idempotency-Key was used for a different request (%s); use a new key for a new request", rec.Route)
	}
	body, err := seal(key, salt).open(rec.Response.Body)
	if err != nil {
		return core.Wrap(core.CodeInternal, err, "read the stored response")
	}
	h := c.Response().Header()
	for _, name := range storedHeaders {
		if v, ok := rec.Response.Header[name]; ok {
			h.Set(name, v)
		}
	}
	h.Set(headerReplayed, "true")
	c.Response().WriteHeader(rec.Response.Status)
	_, err = c.Response().Write(body)
	return err
}

// record runs the request that claimed the key and stores its response,
// or releases the key when a retry might fare better.
func record(c echo.Context, next echo.HandlerFunc, keys IdempotencyKeys, id store.IdempotencyID, key, salt string) (err error) {
	// The response is sent by then; storing it must not depend on the
	// client still waiting.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 10*time.Second)
	defer cancel()
	kept := false
	defer func() {
		if !kept { // a retry may fare better, or the handler panicked
			err = errors.Join(err, keys.ReleaseIdempotencyKey(ctx, id))
		}
	}()
	w := &teeWriter{ResponseWriter: c.Response().Writer}
	c.Response().Writer = w
	if err := next(c); err != nil {
		c.Error(err) // written here, so that the error response is stored too
	}
	c.Response().Writer = w.ResponseWriter
	status := c.Response().Status
	if status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooEarly || status == http.StatusTooManyRequests {
		return nil
	}
	body, err := seal(key, salt).close(w.body.Bytes())
	if err != nil {
		return err
	}
	header := map[string]string{}
	for _, name := range storedHeaders {
		if v := c.Response().Header().Get(name); v != "" {
			header[name] = v
		}
	}
	if err := keys.CompleteIdempotencyKey(ctx, id, store.IdempotentResponse{Status: status, Header: header, Body: body}); err != nil {
		return err
	}
	kept = true
	return nil
}

// teeWriter keeps a copy of what it writes.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// fingerprint is the SHA-256 of what makes two requests the same: method,
// path, query and body. A JSON body counts by its value (key order and
// spacing aside), a multipart one by its parts (not its random boundary).
// The body is read and put back for the handler.
func fingerprint(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err, "cannot read the request body")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	mt, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	for _, s := range []string{r.Method, r.URL.Path, r.URL.RawQuery, mt} {
		field(h, []byte(s))
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	switch {
	case mt == echo.MIMEApplicationJSON && dec.Decode(&v) == nil:
		canonical, err := json.Marshal(v)
		if err != nil {
			return nil, core.Wrap(core.CodeInternal, err, "fingerprint the request")
		}
		field(h, canonical)
	case mt == echo.MIMEMultipartForm && multipartParts(h, body, params["boundary"]) == nil:
	default:
		field(h, body)
	}
	return h.Sum(nil), nil
}

// multipartParts writes each part's name, file name, type and content.
func multipartParts(h io.Writer, body []byte, boundary string) error {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var parts bytes.Buffer
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		for _, s := range [][]byte{[]byte(part.FormName()), []byte(part.FileName()), []byte(part.Header.Get(echo.HeaderContentType)), data} {
			field(&parts, s)
		}
	}
	field(h, parts.Bytes())
	return nil
}

// field writes b length-prefixed, so that fields cannot run together.
func field(w io.Writer, b []byte) {
	_ = binary.Write(w, binary.BigEndian, uint64(len(b)))
	_, _ = w.Write(b)
}

// sealer encrypts stored responses with AES-256-GCM under a key derived
// (HKDF-SHA256) from the Idempotency-Key and its scope.
type sealer struct {
	key, salt string
}

func seal(key, salt string) sealer { return sealer{key: key, salt: salt} }

func (s sealer) aead() (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, []byte(s.key), []byte(s.salt), "supportd idempotent response v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s sealer) close(plain []byte) ([]byte, error) {
	a, err := s.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	_, _ = rand.Read(nonce)
	return a.Seal(nonce, nonce, plain, nil), nil
}

func (s sealer) open(sealed []byte) ([]byte, error) {
	a, err := s.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < a.NonceSize() {
		return nil, errors.New("stored response too short")
	}
	return a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], nil)
}
