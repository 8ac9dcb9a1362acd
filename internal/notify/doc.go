// Package notify posts JSON events to a webhook (a helpdesk, a chat
// channel) in the background: sending never blocks the caller, a full
// queue drops the event and counts it, and each delivery has a deadline.
// Its clock and its pause before a retry are injected.
//
// It imports only the standard library and must not import any supportd
// package: callers hand it their events as plain data.
package notify
