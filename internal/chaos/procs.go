package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// proc is one campusbiz process the run owns; its output goes to a log file
// in the run's directory (appended across restarts).
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	log  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	// ran is how long the process ran; written before done is closed.
	ran *time.Duration
}

func newProc(dir, bin, name string, env []string, args ...string) *proc {
	return &proc{name: name, bin: bin, args: args, env: env, log: filepath.Join(dir, name+".log")}
}

// start runs the process; it is an error when it is already running.
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is already running", p.name)
	}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s log: %w", p.name, err)
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done, ran, start := make(chan struct{}), new(time.Duration), time.Now()
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		*ran = time.Since(start)
		close(done)
	}()
	p.cmd, p.done, p.ran = cmd, done, ran
	return nil
}

// signal sends sig and waits for the process to exit; nothing happens when
// it is not running.
func (p *proc) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	select {
	case <-p.done: // already exited
	default:
		if err := p.cmd.Process.Signal(sig); err != nil {
			return fmt.Errorf("signal %s: %w", p.name, err)
		}
		<-p.done
	}
	p.cmd, p.done = nil, nil
	return nil
}

// exited reports whether the process was started and has since exited by
// itself, and how long it had run.
func (p *proc) exited() (bool, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return false, 0
	}
	select {
	case <-p.done:
		return true, *p.ran
	default:
		return false, 0
	}
}

// run runs the binary to completion (migrate, seed) with its output in the
// process's log.
func (p *proc) run() error {
	if err := p.start(); err != nil {
		return err
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	state := p.cmd.ProcessState
	p.cmd, p.done = nil, nil
	if !state.Success() {
		out, _ := os.ReadFile(p.log)
		return fmt.Errorf("campusbiz %s: %s\n%s", p.name, state, out)
	}
	return nil
}
