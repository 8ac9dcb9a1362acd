package llm

import (
	"errors"
	"sync"
	"time"
)

// errBreakerOpen is returned for a call the breaker did not let through.
var errBreakerOpen = errors.New("circuit breaker is open")

// The breaker's states, as BreakerStates and OnBreakerChange name them.
const (
	stateClosed   = "closed"
	stateOpen     = "open"
	stateHalfOpen = "half-open"
)

// breaker is one provider's circuit breaker on an injected clock. Closed,
// it counts consecutive failures and opens at the limit; open, it refuses
// every call until the cool-down has passed on the clock; then half-open,
// it lets one trial call through, which closes it on success and opens it
// again on failure. A call whose error is excluded changes nothing.
type breaker struct {
	name     string
	failures int           // consecutive failures that open it
	cooldown time.Duration // how long it stays open
	now      func() time.Time
	excluded func(error) bool
	onChange func(name, from, to string)

	mu       sync.Mutex
	state    string
	count    int       // consecutive failures while closed
	openedAt time.Time // when it last opened
	trial    bool      // a half-open trial call is in flight
}

// current moves an open breaker whose cool-down has passed to half-open
// and reports the state. mu is held.
func (b *breaker) current() string {
	if b.state == stateOpen && !b.now().Before(b.openedAt.Add(b.cooldown)) {
		b.set(stateHalfOpen)
	}
	return b.state
}

// set changes the state and tells onChange. mu is held.
func (b *breaker) set(to string) {
	from := b.state
	b.state, b.count, b.trial = to, 0, false
	if to == stateOpen {
		b.openedAt = b.now()
	}
	if b.onChange != nil {
		b.onChange(b.name, from, to)
	}
}

// State reports the breaker's state on its clock.
func (b *breaker) State() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.current()
}

// Execute runs call unless the breaker refuses it, and records the outcome.
func (b *breaker) Execute(call func() (Response, error)) (Response, error) {
	b.mu.Lock()
	switch b.current() {
	case stateOpen:
		b.mu.Unlock()
		return Response{}, errBreakerOpen
	case stateHalfOpen:
		if b.trial {
			b.mu.Unlock()
			return Response{}, errBreakerOpen
		}
		b.trial = true
	}
	b.mu.Unlock()

	resp, err := call()

	b.mu.Lock()
	defer b.mu.Unlock()
	state := b.current()
	switch {
	case err != nil && b.excluded(err):
		if state == stateHalfOpen {
			b.trial = false
		}
	case state == stateHalfOpen && err == nil:
		b.set(stateClosed)
	case state == stateHalfOpen:
		b.set(stateOpen)
	case state == stateClosed && err == nil:
		b.count = 0
	case state == stateClosed:
		if b.count++; b.count >= b.failures {
			b.set(stateOpen)
		}
	}
	return resp, err
}
