package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// asBinaryEnv, set to 1, makes the test binary run as supportd itself.
const asBinaryEnv = "SUPPORTD_TEST_AS_BINARY"

// startProcess runs `supportd serve` as a process of its own (this test
// binary in the role of the command) and returns it with its address.
func startProcess(t *testing.T, env ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), append(env, asBinaryEnv+"=1")...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "supportd listening on http://")
	require.True(t, ok, "first line: %q", line)
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return cmd, addr, stderr
}

// heldRequest is a /v1/chat request whose handler has started (the server
// asked for the body with 100 Continue) and waits for its body.
type heldRequest struct {
	conn net.Conn
	br   *bufio.Reader
}

func holdChat(t *testing.T, addr string) heldRequest {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
	_, err = fmt.Fprintf(conn, "POST /v1/chat HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(refundQuestion))
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusContinue, cont.StatusCode)
	return heldRequest{conn: conn, br: br}
}

// finish sends the body and returns the answer's turn id.
func (h heldRequest) finish(t *testing.T) int64 {
	t.Helper()
	_, err := io.WriteString(h.conn, refundQuestion)
	require.NoError(t, err)
	res, err := http.ReadResponse(h.br, nil)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var reply chatReply
	require.NoError(t, json.NewDecoder(res.Body).Decode(&reply))
	require.Positive(t, reply.TurnID)
	return reply.TurnID
}

// TestSIGTERMLosesNoTurn signals a real `supportd serve` process while
// clients keep asking and some requests are in flight: every answer a
// client received has its turn stored, and no other turn is stored.
func TestSIGTERMLosesNoTurn(t *testing.T) {
	t.Parallel()
	dbURL := testkit.DemoURL(t)
	cmd, addr, stderr := startProcess(t, "DATABASE_URL="+dbURL, "SUPPORTD_AUTH=off", "SUPPORTD_JOBS=false")

	var mu sync.Mutex
	var acked []int64
	ack := func(id int64) { mu.Lock(); acked = append(acked, id); mu.Unlock() }
	warm := make(chan struct{}, 64)
	var clients sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	for range 6 {
		clients.Go(func() {
			for {
				res, err := client.Post("http://"+addr+"/v1/chat", "application/json", strings.NewReader(refundQuestion))
				if err != nil {
					return // the server has stopped listening
				}
				var reply chatReply
				decodeErr := json.NewDecoder(res.Body).Decode(&reply)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || decodeErr != nil {
					return
				}
				ack(reply.TurnID)
				select {
				case warm <- struct{}{}:
				default:
				}
			}
		})
	}
	for range 12 { // the load is under way
		<-warm
	}
	held := []heldRequest{holdChat(t, addr), holdChat(t, addr), holdChat(t, addr)}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	// Shutdown closes the listener first; the held requests are in flight.
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 20*time.Second, 10*time.Millisecond)
	for _, h := range held {
		ack(h.finish(t))
	}
	clients.Wait()
	require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
	require.Contains(t, stderr.String(), `"msg":"stopped"`)

	ctx := context.Background()
	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	var stored, matched int
	require.NoError(t, dbtest.Owner(t, st).QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE id = ANY ($1)) FROM turns`, acked).
		Scan(&stored, &matched))
	require.Equal(t, len(acked), matched, "every acknowledged turn is stored")
	require.Equal(t, len(acked), stored, "and nothing else")
}
