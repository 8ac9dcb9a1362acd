package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"supportd/internal/core"
)

// translate turns a driver error into a coded core.Error, keeping the
// cause for logs. Errors that already carry a code pass through.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var coded *core.Error
	if errors.As(err, &coded) {
		return err
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return core.Wrap(core.CodeNotFound, err, what+": not found")
	case errors.Is(err, context.Canceled):
		return err
	case unavailable(err):
		// The message is the client's; the cause keeps what was being
		// done for the log, so that an overrun says which operation ran out.
		return core.Wrap(core.CodeUnavailable, fmt.Errorf("%s: %w", what, err), "the database is unavailable, retry shortly")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return core.Wrap(core.CodeConflict, err, what+": already exists")
		case pgErr.Code[:2] == "22": // data exception: a value the database cannot hold
			return core.Wrap(core.CodeInvalid, err, what+": invalid value: "+pgErr.Message)
		}
	}
	return core.Wrap(core.CodeInternal, err, what)
}

// unavailable reports errors that mean "the database cannot be reached or is
// going away" rather than "the query is wrong".
func unavailable(err error) bool {
	// A server that refuses the connection (not accepting connections,
	// database gone, bad credentials after a rotation) is an outage to
	// the caller, whatever the SQLSTATE inside.
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.SafeToRetry(err) ||
		errors.Is(err, net.ErrClosed)
}
