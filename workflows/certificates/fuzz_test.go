package certificates

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalize checks that Canonicalize (and Verify, which
// canonicalizes untrusted input) never panics, that accepted input yields
// valid UTF-8 JSON, and that canonicalization is idempotent.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `true`, `0`, `-0`, `1e21`, `"\ud83d\ude02"`,
		`{"b":1,"a":[1,2,{"d":null,"c":true}]}`,
		`{"\u20ac":"Euro","\r":"CR","1":"One","\u00f6":"o"}`,
		`[333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]`,
		`{"name":"张伟","html":"<&>"}`,
		`{"a":1,"a":2}`,
		"[\"\xff\"]",
		` { "x" : [ 1 , 2 ] } `,
	} {
		f.Add([]byte(s))
	}
	kp, err := ParseSigningKey(testSeed)
	if err != nil {
		f.Fatal(err)
	}
	signed, err := Sign(kp, NewCredential(testInput()))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(signed.Credential))

	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Verify(data, signed.Signature, kp.Public) // must not panic

		out, err := Canonicalize(json.RawMessage(data))
		if err != nil {
			return
		}
		if !utf8.Valid(out) || !json.Valid(out) {
			t.Fatalf("canonical output is not valid UTF-8 JSON: in=%q out=%q", data, out)
		}
		again, err := Canonicalize(json.RawMessage(out))
		if err != nil {
			t.Fatalf("canonical output rejected: in=%q out=%q: %v", data, out, err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("not idempotent: in=%q first=%q second=%q", data, out, again)
		}
	})
}
