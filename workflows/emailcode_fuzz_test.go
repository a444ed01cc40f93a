package workflows

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParseEmailCode: whatever is typed, the parser returns six ASCII
// digits or a validation error on "code", never panics.
func FuzzParseEmailCode(f *testing.F) {
	for _, s := range []string{"123456", " 000000 ", "12345", "1234567", "12a456", "１２３４５６", "", "\x00\x00\x00\x00\x00\x00", "99999\n9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseEmailCode(s)
		if err != nil {
			var v *ValidationError
			if !errors.As(err, &v) || v.Fields["code"].Code == "" {
				t.Fatalf("%q: %v is not a validation error on code", s, err)
			}
			return
		}
		if len(code) != EmailCodeDigits {
			t.Fatalf("%q gave %q", s, code)
		}
		for i := 0; i < len(code); i++ {
			if code[i] < '0' || code[i] > '9' {
				t.Fatalf("%q gave %q", s, code)
			}
		}
	})
}

// FuzzCheckDisputeStatement: a statement is accepted only within its
// length, as valid UTF-8 without control characters (line breaks and tabs
// aside); anything else is a validation error on "statement".
func FuzzCheckDisputeStatement(f *testing.F) {
	for _, s := range []string{"这是我的学号，我有学生证和学校邮箱可以证明。", "short", "", "\x00\x01\x02", "line one of twenty chars\nline two", string([]byte{0xff}) + "aaaaaaaaaaaaaaaaaaaaaaa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CheckDisputeStatement(s)
		if err != nil {
			var v *ValidationError
			if !errors.As(err, &v) || v.Fields["statement"].Code == "" {
				t.Fatalf("%q: %v is not a validation error on statement", s, err)
			}
			return
		}
		n := utf8.RuneCountInString(got)
		if !utf8.ValidString(got) || n < DisputeStatementMin || n > DisputeStatementMax {
			t.Fatalf("%q accepted as %q", s, got)
		}
		for _, r := range got {
			if (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f {
				t.Fatalf("%q accepted with control character %U", s, r)
			}
		}
	})
}
