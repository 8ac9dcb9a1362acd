package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sethvargo/go-retry"
)

// Tables whose changes are announced (migration 00021).
const (
	TableAPIKeys = "api_keys"
	TableKBs     = "knowledge_bases"
)

// changesChannel is what migration 00021's triggers notify.
const changesChannel = "supportd_changes"

// Change names a changed row: its table and id. An empty ID stands for
// every row of the table (a change made by name, told only in process).
type Change struct {
	Table string
	ID    string
}

// changes fans this process's own changes out to OnChange's subscribers.
type changes struct {
	mu   sync.RWMutex
	subs []func(Change)
}

// OnChange has fn told of each change that this Store (and the Stores InTx
// hands out) makes to api_keys and knowledge_bases, as soon as the method
// that made it returns: the process sees its own writes at once, before the
// database's notification arrives (Listen). Inside InTx that is before the
// commit, so the notification remains the word that counts. fn must not
// block.
func (s *Store) OnChange(fn func(Change)) {
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	s.changes.subs = append(s.changes.subs, fn)
}

// changed tells the subscribers about c.
func (s *Store) changed(c Change) {
	s.changes.mu.RLock()
	defer s.changes.mu.RUnlock()
	for _, fn := range s.changes.subs {
		fn(c)
	}
}

func (s *Store) changedKB(id int64) {
	s.changed(Change{Table: TableKBs, ID: strconv.FormatInt(id, 10)})
}

// ListenParams configures Listen.
type ListenParams struct {
	// OnChange is told of every change any process commits (required).
	OnChange func(Change)
	// OnConnect is called once listening has begun on a new connection;
	// whatever changed while there was none went unheard. OnDisconnect is
	// called when the connection is lost, with why. Both are optional and
	// run on the listening goroutine.
	OnConnect    func()
	OnDisconnect func(err error)
	// Backoff returns the delays between attempts to reconnect, new for
	// each outage; default exponential from 100 ms, capped at 5 s, with
	// 20% jitter.
	Backoff func() retry.Backoff
}

// Listen listens for the changes that migration 00021's triggers announce,
// on a connection of its own (LISTEN holds a session, so it cannot share
// the pool's), until ctx ends; it then returns nil. A lost connection is
// re-opened with backoff. It needs no tenant: a notification carries a
// table and an id only.
func (s *Store) Listen(ctx context.Context, p ListenParams) error {
	if p.OnChange == nil {
		return errors.New("store.Listen: OnChange is required")
	}
	if p.Backoff == nil {
		p.Backoff = func() retry.Backoff {
			return retry.WithJitterPercent(20, retry.WithCappedDuration(5*time.Second, retry.NewExponential(100*time.Millisecond)))
		}
	}
	b := p.Backoff()
	for {
		connected, err := s.listenOnce(ctx, p)
		select {
		case <-ctx.Done(): // the listener was stopped, not lost
			return nil
		default:
		}
		if connected {
			b = p.Backoff() // a new outage starts from the shortest delay
		}
		if p.OnDisconnect != nil {
			p.OnDisconnect(err)
		}
		d, _ := b.Next()
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil
		}
	}
}

// listenOnce connects, listens and delivers notifications until the
// connection fails or ctx ends; it reports whether it was listening.
func (s *Store) listenOnce(ctx context.Context, p ListenParams) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false, fmt.Errorf("connect to listen for changes: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return false, fmt.Errorf("listen for changes: %w", err)
	}
	if p.OnConnect != nil {
		p.OnConnect()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("wait for changes: %w", err)
		}
		if table, id, ok := strings.Cut(n.Payload, ":"); ok && id != "" {
			p.OnChange(Change{Table: table, ID: id})
		}
	}
}
