package workers_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/stretchr/testify/require"
)

// rawMessages are the sink's messages as received.
func rawMessages(sink *mailsink.Sink) []string {
	var out []string
	for _, m := range sink.Messages() {
		out = append(out, string(m.Raw))
	}
	return out
}

// mailing is a backend whose handlers e-mail notifications to an SMTP
// sink, as when SMTP_URL is set.
func mailing(t *testing.T) (*backend, *workers.Handlers, *mailsink.Sink) {
	t.Helper()
	e := newBackend(t)
	e.eng.Email = true
	return e, e.h, e.mail
}

func TestNotificationIsEmailedOnceWhenItsTaskRunsTwice(t *testing.T) {
	t.Parallel()
	e, h, sink := mailing(t)
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

	msgs := rawMessages(sink)
	require.Len(t, msgs, 1)
	subject, text, html := readMail(t, msgs[0])
	require.Equal(t, "学生认证：待邮箱验证", subject, "in the recipient's language (Chinese by default)")
	require.Contains(t, text, "您的学生认证现在的状态是：待邮箱验证。")
	require.Contains(t, text, "/notifications")
	require.Contains(t, html, `<html lang="zh-CN">`)
	require.Contains(t, html, "您的学生认证现在的状态是：待邮箱验证。")
	var notificationID string
	require.NoError(t, e.schema.DB.Raw(`SELECT id FROM notifications`).Row().Scan(&notificationID))
	require.Contains(t, msgs[0], "Message-ID: <"+notificationID+"@campusbiz>")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE emailed_at IS NOT NULL`))
}

// readMail decodes an e-mail as a client does: its subject and the bodies
// of its text/plain and text/html alternatives.
func readMail(t *testing.T, raw string) (subject, text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	require.NoError(t, err)
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	typ, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", typ)
	parts := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := parts.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(p)
		require.NoError(t, err)
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(body)
		case "text/html":
			html = string(body)
		}
	}
	require.NotEmpty(t, text, "a plain-text part")
	require.NotEmpty(t, html, "an HTML part")
	return subject, text, html
}

// TestNotificationEmailSpeaksTheAccountsLanguage: an account that uses
// English gets its e-mail in English.
func TestNotificationEmailSpeaksTheAccountsLanguage(t *testing.T) {
	t.Parallel()
	e, h, sink := mailing(t)
	sub := e.submit(1)[0]
	require.NoError(t, e.schema.DB.Exec(`UPDATE accounts SET lang = 'en'`).Error)
	ctx := context.Background()
	require.NoError(t, e.deliver(ctx, h, e.runOf(sub.taskID, 0)))
	var notifyID string
	require.NoError(t, e.schema.DB.Raw(`SELECT id FROM tasks_ever WHERE task_type = ?`, engine.TypeNotifySend).Row().Scan(&notifyID))
	require.NoError(t, e.deliver(ctx, h, e.runOf(notifyID, 0)))

	msgs := rawMessages(sink)
	require.Len(t, msgs, 1)
	subject, text, html := readMail(t, msgs[0])
	require.Equal(t, "student verification: waiting for the e-mail code", subject)
	require.Contains(t, text, "Hello ")
	require.Contains(t, html, `<html lang="en">`)
	require.NotContains(t, text+html, "您")
}
