package mailsink

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestSinkReceivesAndDecodesAndFindsTheCode(t *testing.T) {
	t.Parallel()
	s, err := Start("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msg := "Subject: =?utf-8?q?=E9=AA=8C=E8=AF=81=E7=A0=81?=\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"=E6=82=A8=E5=A5=BD\r\n.leading dot\r\n\r\n    042317\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>999999</p>\r\n--b--\r\n"
	for _, to := range []string{"a@x.edu.cn", "b@x.edu.cn", "A@X.edu.cn"} {
		if err := smtp.SendMail(s.Addr(), nil, "campusbiz@localhost", []string{to}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.Messages()); got != 2 {
		t.Fatalf("keeps the last 2, got %d", got)
	}
	m := s.To("a@x.edu.cn")
	if len(m) != 1 || m[0].Subject != "验证码" || !strings.Contains(m[0].Text, "您好\n.leading dot") {
		t.Fatalf("decoded %+v", m)
	}
	if c, ok := Code(m[0]); !ok || c != "042317" {
		t.Fatalf("code %q %v: the plain part's line, not the HTML's", c, ok)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := s.WaitCode(ctx, "a@x.edu.cn", 1); err == nil {
		t.Fatal("no second code: WaitCode must time out")
	}
	code, n, err := s.WaitCode(context.Background(), "a@x.edu.cn", 0)
	if err != nil || code != "042317" || n != 1 {
		t.Fatalf("WaitCode: %q %d %v", code, n, err)
	}
}
