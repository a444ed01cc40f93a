package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// badTexts are strings no route may pass to Postgres: NUL, invalid UTF-8
// and other control characters, alone and inside ordinary text.
var badTexts = []string{"\x00", "a\x00b", "\xff", "ok\xc3(", "\x01\x1b[2J", "\u0000@example.com"}

// poisoned returns copies of body (a JSON object) with one string, at any
// depth, replaced by bad.
func poisoned(body any, bad string) []any {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil
	}
	var tree any
	if json.Unmarshal(raw, &tree) != nil {
		return nil
	}
	var out []any
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		switch x := v.(type) {
		case string:
			set(bad)
			var cp any
			_ = json.Unmarshal(mustJSON(tree), &cp)
			out = append(out, cp)
			set(x)
		case map[string]any:
			for k, e := range x {
				walk(e, func(n any) { x[k] = n })
			}
		case []any:
			for i, e := range x {
				walk(e, func(n any) { x[i] = n })
			}
		}
	}
	walk(tree, func(any) {})
	return out
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}

// rawBody is v marshalled with Go's JSON, then its "\ufffd" replacement
// characters turned back into the raw bytes they stood for, so that the
// server receives invalid UTF-8 as a client could send it.
func rawBody(v any, bad string) []byte {
	raw := mustJSON(v)
	if strings.ContainsRune(bad, 0) || !strings.Contains(string(raw), `\ufffd`) {
		return raw
	}
	return []byte(strings.ReplaceAll(string(raw), `\ufffd`, "\xff"))
}

// TestUnstorableTextIsA4xxOnEveryRoute sends every route of the router,
// as an actor it admits, NUL, invalid UTF-8 and control characters in
// every string of its valid body, in its query and in its path: every
// answer is a 4xx (or the route's success, for text it may store), never
// a 5xx (a sign-in the hashing gate sheds on a busy machine is sent again
// after its Retry-After), and nothing unstorable reaches the database.
func TestUnstorableTextIsA4xxOnEveryRoute(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	calls := 0
	for _, row := range w.rows() {
		method, _, _ := strings.Cut(row.route, " ")
		if method == "ANY" {
			method = http.MethodGet
		}
		actor := admittedActor(row.want)
		token := w.tokens[actor]
		send := func(path string, body any) {
			t.Helper()
			if row.before != nil {
				row.before()
			}
			r := w.a.doPatiently(method, path, token, body)
			calls++
			require.Less(t, r.Status, 500, "%s %s as %s: %s", method, path, actorNames[actor], r.Body)
		}
		for _, bad := range badTexts {
			q := "?q=" + pct(bad) + "&cursor=" + pct(bad) + "&status=" + pct(bad) + "&limit=" + pct(bad)
			send(row.path+q, nil)
			if i := strings.LastIndex(row.path, "/"); i > 0 {
				send(row.path[:i+1]+pct(bad), nil)
			}
			if row.body == nil {
				continue
			}
			for _, body := range poisoned(row.body(actor), bad) {
				send(row.path, rawBody(body, bad))
			}
		}
	}
	var stored int
	require.NoError(t, w.a.schema.DB.Raw(`SELECT count(*) FROM workflow_events WHERE reasons::text LIKE '%\u0000%'`).Row().Scan(&stored))
	require.Zero(t, stored)
	t.Logf("%d requests with unstorable text, none answered 5xx", calls)
}

// admittedActor is the first actor the row admits (the owner when none is
// named, for rows only the owner may call).
func admittedActor(want expect) int {
	for _, a := range []int{appA, admin, rIn, anon} {
		if want[a] == ok {
			return a
		}
	}
	return appA
}

// pct percent-encodes every byte of s.
func pct(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}
