package lookup

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"supportd/internal/store"
)

// Source is what the copies are read from (store.Store).
type Source interface {
	KB(ctx context.Context, tenant, name string) (store.KB, error)
	APIKeyByID(ctx context.Context, id string) (store.APIKey, error)
}

// Defaults of Params.
const (
	DefaultSize = 10_000
	DefaultTTL  = time.Minute
)

// Params configures New.
type Params struct {
	Size int           // entries per kind; default DefaultSize
	TTL  time.Duration // a copy's longest life; default DefaultTTL
}

// Lookups reads keys and knowledge bases through in-process copies. It
// serves copies only while live (a listener is connected: Connected), and
// is safe for concurrent use.
type Lookups struct {
	src  Source
	keys *otter.Cache[string, store.APIKey]
	kbs  *otter.Cache[string, store.KB]
	live atomic.Bool
	// mu orders fills against invalidations: a copy read from the source
	// is kept only if no invalidation (gen) happened while it was read.
	mu  sync.RWMutex
	gen atomic.Uint64
	// ready is closed when a listener first connects.
	ready     chan struct{}
	readyOnce sync.Once
}

// New returns Lookups over src, not yet live.
func New(src Source, p Params) (*Lookups, error) {
	if src == nil {
		return nil, fmt.Errorf("lookup.New: nil source")
	}
	keys, err := newTable[store.APIKey](p)
	if err != nil {
		return nil, err
	}
	kbs, err := newTable[store.KB](p)
	if err != nil {
		keys.StopAllGoroutines()
		return nil, err
	}
	return &Lookups{src: src, keys: keys, kbs: kbs, ready: make(chan struct{})}, nil
}

func newTable[V any](p Params) (*otter.Cache[string, V], error) {
	c, err := otter.New(&otter.Options[string, V]{MaximumSize: cmp.Or(p.Size, DefaultSize),
		ExpiryCalculator: otter.ExpiryWriting[string, V](cmp.Or(p.TTL, DefaultTTL))})
	if err != nil {
		return nil, fmt.Errorf("lookup: create cache: %w", err)
	}
	return c, nil
}

// Close stops the caches' background work; l must not be used afterwards.
func (l *Lookups) Close() {
	l.keys.StopAllGoroutines()
	l.kbs.StopAllGoroutines()
}

// KB returns the tenant's knowledge base by name, as Source.KB does.
func (l *Lookups) KB(ctx context.Context, tenant, name string) (store.KB, error) {
	return get(l, l.kbs, tenant+"\x00"+name, func() (store.KB, error) { return l.src.KB(ctx, tenant, name) })
}

// APIKeyByID returns a key by its public id, as Source.APIKeyByID does.
func (l *Lookups) APIKeyByID(ctx context.Context, id string) (store.APIKey, error) {
	return get(l, l.keys, id, func() (store.APIKey, error) { return l.src.APIKeyByID(ctx, id) })
}

// get serves key from c while live, else reads it with load and keeps
// what it read unless an invalidation came meanwhile. Errors are never
// kept: a missing row may appear at any time.
func get[V any](l *Lookups, c *otter.Cache[string, V], key string, load func() (V, error)) (V, error) {
	if !l.live.Load() {
		return load()
	}
	if v, ok := c.GetIfPresent(key); ok {
		return v, nil
	}
	gen := l.gen.Load()
	v, err := load()
	if err != nil {
		return v, err
	}
	l.mu.RLock()
	if l.gen.Load() == gen && l.live.Load() {
		c.Set(key, v)
	}
	l.mu.RUnlock()
	return v, nil
}

// Changed drops the copies a change makes stale: one key, one knowledge
// base by id, or every copy of the table when the change names no id.
func (l *Lookups) Changed(ch store.Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen.Add(1)
	switch ch.Table {
	case store.TableAPIKeys:
		if ch.ID == "" {
			l.keys.InvalidateAll()
			return
		}
		l.keys.Invalidate(ch.ID)
	case store.TableKBs:
		id, err := strconv.ParseInt(ch.ID, 10, 64)
		if err != nil {
			l.kbs.InvalidateAll()
			return
		}
		for k, kb := range l.kbs.All() {
			if kb.ID == id {
				l.kbs.Invalidate(k)
			}
		}
	}
}

// Connected flushes every copy, since changes went unheard while no
// listener was connected, and starts serving copies.
func (l *Lookups) Connected() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen.Add(1)
	l.keys.InvalidateAll()
	l.kbs.InvalidateAll()
	l.live.Store(true)
	l.readyOnce.Do(func() { close(l.ready) })
}

// Ready is closed once a listener has first connected: from then on l
// serves copies while one stays connected. Until then every lookup reads
// the source (a process that has just started does, for as long as its
// listener takes to connect).
func (l *Lookups) Ready() <-chan struct{} { return l.ready }

// Disconnected stops serving copies until Connected: without a listener
// no change would be heard. The copies stay until Connected flushes them,
// which also covers changes missed before the loss was noticed. It
// ignores err (the signature fits store.ListenParams.OnDisconnect).
func (l *Lookups) Disconnected(error) { l.live.Store(false) }

// Listen keeps l live on st's changes until ctx ends: st tells it of the
// process's own changes at once (OnChange; call Listen once per st) and
// of every process's through a listener (store.Store.Listen). p's
// OnConnect and OnDisconnect, when set, run after l's own; its OnChange
// is replaced.
func (l *Lookups) Listen(ctx context.Context, st *store.Store, p store.ListenParams) error {
	st.OnChange(l.Changed)
	onConnect, onDisconnect := p.OnConnect, p.OnDisconnect
	p.OnChange = l.Changed
	p.OnConnect = func() {
		l.Connected()
		if onConnect != nil {
			onConnect()
		}
	}
	p.OnDisconnect = func(err error) {
		l.Disconnected(err)
		if onDisconnect != nil {
			onDisconnect(err)
		}
	}
	return st.Listen(ctx, p)
}
