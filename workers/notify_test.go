package workers_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/stretchr/testify/require"
)

// smtpSink is a minimal SMTP server that records the messages it receives.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	mail []string
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &smtpSink{ln: ln}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	return s
}

func (s *smtpSink) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { fmt.Fprintf(conn, "%s\r\n", line) }
	say("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.mail = append(s.mail, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (s *smtpSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mail...)
}

func TestNotificationIsEmailedOnceWhenItsTaskRunsTwice(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	sink := startSMTPSink(t)
	mailer, err := workers.NewMailer("smtp://" + sink.ln.Addr().String() + "?from=noreply@campusbiz.test")
	require.NoError(t, err)
	h := e.handlers(workers.Deps{Mailer: mailer})
	e.eng.Email = true // as when SMTP_URL is set
	sub := e.submit(1)[0]
	ctx := context.Background()
	require.NoError(t, e.deliver(ctx, h, e.runOf(sub.taskID, 0)))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE emailed_at IS NULL`), "in-app at once")
	var notifyID string
	require.NoError(t, e.schema.DB.Raw(`SELECT id FROM tasks_ever WHERE task_type = ?`, engine.TypeNotifySend).Row().Scan(&notifyID))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM tasks_ever WHERE task_type = ?`, engine.TypeNotifySend), "one e-mail task")

	run := e.runOf(notifyID, 0)
	require.NoError(t, e.deliver(ctx, h, run))
	require.NoError(t, e.deliver(ctx, h, run))
	// Even a second, different task for the same notification (bypassing
	// the runner's outbox lock: a unit of work that completes no task)
	// cannot e-mail it twice.
	again := run
	again.TaskID = models.NewID()
	require.NoError(t, e.eng.Do(ctx, func(w *engine.Work) error { return h.SendNotification(ctx, w, again) }))

	msgs := sink.messages()
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0], "Subject: student verification: verified")
	var notificationID string
	require.NoError(t, e.schema.DB.Raw(`SELECT id FROM notifications`).Row().Scan(&notificationID))
	require.Contains(t, msgs[0], "Message-ID: <"+notificationID+"@campusbiz>")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE emailed_at IS NOT NULL`))
}
