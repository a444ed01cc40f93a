package workers

import (
	"context"
	"crypto/tls"
	"fmt"
	"github.com/campusbiz/campusbiz/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Mailer sends e-mail through an SMTP server.
type Mailer struct {
	addr     string
	host     string
	implicit bool // smtps: TLS from the first byte
	auth     smtp.Auth
	from     string
	timeout  time.Duration
}

// Mail is one message: a plain-text Body and, when HTML is set, an HTML
// alternative of it (multipart/alternative).
type Mail struct {
	To, Subject, Body string
	HTML              string
	// MessageID makes redelivery of the same notification recognisable.
	MessageID string
}

// NewMailer parses an SMTP URL: smtp://[user:pass@]host:port?from=addr (STARTTLS
// when the server offers it) or smtps:// (TLS from the start).
func NewMailer(raw string) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse SMTP_URL: %w", err)
	}
	m := &Mailer{host: u.Hostname(), implicit: u.Scheme == "smtps", timeout: 10 * time.Second}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "465", false: "587"}[m.implicit]
	}
	m.addr = net.JoinHostPort(m.host, port)
	m.from = u.Query().Get("from")
	if m.from == "" {
		m.from = "campusbiz@" + m.host
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, m.host)
	}
	return m, nil
}

// Send delivers one message, giving up after the mailer's timeout or when
// ctx ends; inside a recorded trace, in a span of its own.
func (m *Mailer) Send(ctx context.Context, mail Mail) error {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return m.send(ctx, mail)
	}
	ctx, span := tracing.Tracer().Start(ctx, "smtp send", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("server.address", m.host)))
	defer span.End()
	err := m.send(ctx, mail)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "send failed")
	}
	return err
}

func (m *Mailer) send(ctx context.Context, mail Mail) error {
	deadline := time.Now().Add(m.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	var err error
	if m.implicit {
		conn, err = tls.DialWithDialer(dialer, "tcp", m.addr, &tls.Config{ServerName: m.host})
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return fmt.Errorf("dial %s: %w", m.addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !m.implicit {
		if err := c.StartTLS(&tls.Config{ServerName: m.host}); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.auth != nil {
		if err := c.Auth(m.auth); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.from); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(mail.To); err != nil {
		return fmt.Errorf("smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(m.message(mail)); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of data: %w", err)
	}
	return c.Quit()
}

func (m *Mailer) message(mail Mail) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", m.from)
	fmt.Fprintf(&b, "To: %s\r\n", mail.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", mail.Subject))
	fmt.Fprintf(&b, "Message-ID: <%s@campusbiz>\r\n", mail.MessageID)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\n")
	if mail.HTML == "" {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(crlf(mail.Body))
		b.WriteString("\r\n")
		return []byte(b.String())
	}
	// The boundary is derived from the Message-ID, so a resent message is
	// byte-for-byte the same body; it cannot occur in quoted-printable text.
	boundary := "=_campusbiz_" + mail.MessageID
	fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary)
	for _, part := range []struct{ typ, body string }{{"text/plain", mail.Body}, {"text/html", mail.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.typ)
		qp := quotedprintable.NewWriter(&b)
		_, _ = qp.Write([]byte(crlf(part.body))) // a strings.Builder never fails
		_ = qp.Close()
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return []byte(b.String())
}

// crlf ends text's lines with CRLF, as mail wants.
func crlf(text string) string {
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
}
