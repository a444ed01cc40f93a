package testenv

import (
	"testing"

	"github.com/campusbiz/campusbiz/internal/mailsink"
)

// MailSink starts a real SMTP server on a free loopback port for the test,
// stopped when it ends; its URL is an SMTP_URL.
func MailSink(t testing.TB) *mailsink.Sink {
	t.Helper()
	s, err := mailsink.Start("127.0.0.1:0", 0)
	if err != nil {
		t.Fatalf("mail sink: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
