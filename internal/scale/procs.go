package scale

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a process may take to say where it listens.
const startTimeout = 90 * time.Second

// Spawner starts child processes of one binary with a common environment,
// each logging to a file of its own in LogDir.
type Spawner struct {
	Binary string
	// Env is added to this process's environment for every child; a
	// child's own env comes after it and wins.
	Env    []string
	LogDir string
}

// Proc is a child process.
type Proc struct {
	Name string
	// URL is where it listens (http://host:port), read from its first line
	// of output.
	URL     string
	LogPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// Start runs the binary with args and waits for its first line of output,
// which must start with banner followed by its URL ("supportd listening
// on " and http://127.0.0.1:8080).
func (s Spawner) Start(name, banner string, args []string, env ...string) (*Proc, error) {
	return s.start(name, banner, exec.Command(s.Binary, args...), env)
}

func (s Spawner) start(name, banner string, cmd *exec.Cmd, env []string) (*Proc, error) {
	p := &Proc{Name: name, LogPath: filepath.Join(s.LogDir, name+".log"), cmd: cmd, exited: make(chan struct{})}
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(append(os.Environ(), s.Env...), env...)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		l, _ := r.ReadString('\n')
		line <- l
		_, _ = io.Copy(logf, r)
	}()
	select {
	case l := <-line:
		url, ok := strings.CutPrefix(strings.TrimSpace(l), banner)
		if !ok {
			p.Kill()
			return nil, fmt.Errorf("%s: first line %q, want %q…; log in %s", name, l, banner, p.LogPath)
		}
		p.URL = strings.TrimSuffix(url, "/v1")
		return p, nil
	case <-time.After(startTimeout):
		p.Kill()
		return nil, fmt.Errorf("%s did not start within %s; log in %s", name, startTimeout, p.LogPath)
	}
}

// Kill sends SIGKILL and waits for the process to go.
func (p *Proc) Kill() { p.signal(syscall.SIGKILL, 0) }

// Stop sends SIGTERM and waits up to grace before killing.
func (p *Proc) Stop(grace time.Duration) { p.signal(syscall.SIGTERM, grace) }

func (p *Proc) signal(sig syscall.Signal, grace time.Duration) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
		return
	case <-time.After(grace):
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Alive reports whether the process is still running.
func (p *Proc) Alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// run runs the binary to completion and returns its standard output.
func (s Spawner) run(ctx context.Context, args []string, env ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.Binary, args...)
	cmd.Env = append(append(os.Environ(), s.Env...), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("supportd %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// panicLine matches what a panic leaves in a log: Echo's recovered panic
// (logged as "panic") or the runtime's own report of one that was not.
var panicLine = regexp.MustCompile(`"msg":"panic"|^panic: |^fatal error: `)

// Panics returns every line of the logs in dir that records a panic.
func Panics(dir string) ([]string, error) {
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, err
	}
	var found []string
	for _, path := range logs {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			if panicLine.MatchString(sc.Text()) {
				found = append(found, filepath.Base(path)+": "+sc.Text())
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil && !errors.Is(err, bufio.ErrTooLong) {
			return nil, err
		}
	}
	return found, nil
}

// countLines counts the lines of the file at path that contain s.
func countLines(path, s string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}
