package certificates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

// testSeed is a fixed signing key (the bytes 0..31) for deterministic tests.
const testSeed = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func testKey(t testing.TB) KeyPair {
	t.Helper()
	kp, err := ParseSigningKey(testSeed)
	require.NoError(t, err)
	return kp
}

func testInput() Input {
	return Input{
		Serial:            "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
		HolderName:        "Zoë Müller",
		CourseID:          "ecom-101",
		CourseTitle:       "Live-Streaming Sales Fundamentals",
		CourseDescription: "Plan, host and review a live-commerce session.",
		IssuerName:        "CampusBiz Training Centre",
		IssuerURL:         "https://campusbiz.example.cn",
		IssuedAt:          time.Date(2025, 6, 1, 16, 30, 15, 999_000_000, time.FixedZone("CST", 8*3600)),
		VerifyURL:         "https://campusbiz.example.cn/verify/8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
	}
}

// requireTool fails the test (it never skips) when a command-line tool
// that the test needs is not installed.
func requireTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	require.NoErrorf(t, err, "%s is required by this test: install it with `apt-get install -y %s`", name, debianPackage)
	return p
}

// writeShuffledJSON serializes v the way a foreign implementation might:
// object keys in reverse order, odd whitespace, and every non-ASCII
// character escaped as \uXXXX (with surrogate pairs).
func writeShuffledJSON(t testing.TB, buf *bytes.Buffer, v any, depth int) {
	t.Helper()
	ws := "\n" + strings.Repeat("\t ", depth)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		buf.WriteString("{ ")
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(" ,")
			}
			buf.WriteString(ws)
			writeEscapedString(buf, k)
			buf.WriteString(" :\t")
			writeShuffledJSON(t, buf, x[k], depth+1)
		}
		buf.WriteString(ws + "}")
	case []any:
		buf.WriteString("[" + ws)
		for i, e := range x {
			if i > 0 {
				buf.WriteString(",  ")
			}
			writeShuffledJSON(t, buf, e, depth+1)
		}
		buf.WriteString(" ]")
	case string:
		writeEscapedString(buf, x)
	default:
		b, err := json.Marshal(x)
		require.NoError(t, err)
		buf.Write(b)
	}
}

func writeEscapedString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			buf.WriteByte('\\')
			buf.WriteRune(r)
		case r < 0x20 || r > 0x7e || r == '/':
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(buf, "\\u%04X", u)
			}
		default:
			buf.WriteRune(r)
		}
	}
	buf.WriteByte('"')
}

func shuffledJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	writeShuffledJSON(t, &buf, v, 0)
	require.True(t, json.Valid(buf.Bytes()), "helper produced invalid JSON: %s", buf.Bytes())
	return buf.Bytes()
}

func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

// leafPaths lists the paths (object keys and array indexes) of every
// scalar in v.
func leafPaths(v any, prefix []any) [][]any {
	switch x := v.(type) {
	case map[string]any:
		var out [][]any
		for k, e := range x {
			out = append(out, leafPaths(e, append(prefix[:len(prefix):len(prefix)], k))...)
		}
		return out
	case []any:
		var out [][]any
		for i, e := range x {
			out = append(out, leafPaths(e, append(prefix[:len(prefix):len(prefix)], i))...)
		}
		return out
	default:
		return [][]any{prefix}
	}
}

// containerPaths lists the paths of every object in v, root included.
func containerPaths(v any, prefix []any) [][]any {
	var out [][]any
	switch x := v.(type) {
	case map[string]any:
		out = append(out, prefix)
		for k, e := range x {
			out = append(out, containerPaths(e, append(prefix[:len(prefix):len(prefix)], k))...)
		}
	case []any:
		for i, e := range x {
			out = append(out, containerPaths(e, append(prefix[:len(prefix):len(prefix)], i))...)
		}
	}
	return out
}

// get returns the value at path in v.
func get(v any, path []any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

// set replaces the value at path (non-empty) in v.
func set(v any, path []any, val any) {
	parent := get(v, path[:len(path)-1])
	switch k := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[k] = val
	case int:
		parent.([]any)[k] = val
	}
}
