// Package mailsink is a small SMTP server that keeps what it receives in
// memory: the tests, the chaos run and the load generator read onboarding
// codes from it, and `campusbiz dev` without SMTP_URL delivers its mail to
// one and shows it on a development-only mailbox page. It speaks plain SMTP
// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) with no TLS and no
// authentication: it listens on loopback addresses only.
package mailsink

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Message is one received e-mail.
type Message struct {
	At   time.Time
	From string
	To   []string
	// Subject is decoded; Text is the plain-text part, decoded.
	Subject string
	Text    string
	// Raw is the message as received.
	Raw []byte
}

// Sink is a running SMTP server. Close stops it.
type Sink struct {
	ln   net.Listener
	keep int

	mu      sync.Mutex
	msgs    []Message
	changed chan struct{} // closed and replaced on every new message
	wg      sync.WaitGroup
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and keeps the
// last keep messages (0: all).
func Start(addr string, keep int) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mail sink: listen on %s: %w", addr, err)
	}
	s := &Sink{ln: ln, keep: keep, changed: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr is where the sink listens.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// URL is an SMTP_URL that delivers to the sink.
func (s *Sink) URL() string { return "smtp://" + s.Addr() + "?from=campusbiz@localhost" }

// Close stops listening and waits for open sessions to end.
func (s *Sink) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// Messages are the kept messages, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To are the kept messages to addr (case-insensitive), oldest first.
func (s *Sink) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// codeLine is an onboarding code: six digits on a line of their own.
var codeLine = regexp.MustCompile(`(?m)^\s*([0-9]{6})\s*$`)

// Code is the onboarding code in m, if m carries one.
func Code(m Message) (string, bool) {
	if c := codeLine.FindStringSubmatch(m.Text); c != nil {
		return c[1], true
	}
	return "", false
}

// WaitCode waits until the sink holds more than seen messages carrying a
// code to addr and returns the newest one's code with the new count of
// such messages; the caller passes that count back as seen next time.
func (s *Sink) WaitCode(ctx context.Context, addr string, seen int) (code string, count int, err error) {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		var codes []string
		for _, m := range s.To(addr) {
			if c, ok := Code(m); ok {
				codes = append(codes, c)
			}
		}
		if len(codes) > seen {
			return codes[len(codes)-1], len(codes), nil
		}
		select {
		case <-ctx.Done():
			return "", len(codes), fmt.Errorf("mail sink: no new code for %s: %w", addr, ctx.Err())
		case <-changed:
		}
	}
}

func (s *Sink) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(time.Minute))
			s.session(conn)
		}()
	}
}

// session speaks SMTP with one client until QUIT or an error.
func (s *Sink) session(conn net.Conn) {
	r := bufio.NewReader(conn)
	reply := func(line string) bool {
		_, err := io.WriteString(conn, line+"\r\n")
		return err == nil
	}
	if !reply("220 campusbiz mail sink") {
		return
	}
	var from string
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		var ok bool
		switch {
		case strings.HasPrefix(verb, "EHLO"):
			ok = reply("250-campusbiz mail sink") && reply("250 8BITMIME")
		case strings.HasPrefix(verb, "HELO"), strings.HasPrefix(verb, "NOOP"):
			ok = reply("250 ok")
		case strings.HasPrefix(verb, "MAIL FROM:"):
			from, to = angle(line[len("MAIL FROM:"):]), nil
			ok = reply("250 ok")
		case strings.HasPrefix(verb, "RCPT TO:"):
			to = append(to, angle(line[len("RCPT TO:"):]))
			ok = reply("250 ok")
		case verb == "DATA":
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			raw, err := readData(r)
			if err != nil {
				return
			}
			s.keepMessage(parse(from, to, raw))
			ok = reply("250 ok: queued")
		case verb == "RSET":
			from, to = "", nil
			ok = reply("250 ok")
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			ok = reply("502 command not implemented")
		}
		if !ok {
			return
		}
	}
}

// angle is the address in "<a@b> SIZE=…".
func angle(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '>'); strings.HasPrefix(s, "<") && i > 0 {
		return s[1:i]
	}
	return strings.Fields(s + " ")[0]
}

// readData reads a DATA section up to the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if strings.TrimRight(line, "\r\n") == "." {
			return b.Bytes(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
		if b.Len() > 10<<20 {
			return nil, errors.New("message too large")
		}
	}
}

func (s *Sink) keepMessage(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	if s.keep > 0 && len(s.msgs) > s.keep {
		s.msgs = append([]Message(nil), s.msgs[len(s.msgs)-s.keep:]...)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// parse decodes the subject and the plain-text part of raw; a message it
// cannot read keeps its raw bytes only.
func parse(from string, to []string, raw []byte) Message {
	m := Message{At: time.Now().UTC(), From: from, To: to, Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	}
	m.Text = plainText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m
}

// plainText is the text/plain content of a body of type ctype.
func plainText(ctype, encoding string, body io.Reader) string {
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		media = "text/plain"
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				return ""
			}
			if t := plainText(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); t != "" {
				return t
			}
		}
	}
	if media != "text/plain" {
		return ""
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}
