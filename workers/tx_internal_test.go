package workers

import "testing"

func TestNumberPlaceholders(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`INSERT INTO t (a, b) VALUES (?, ?)`:            `INSERT INTO t (a, b) VALUES ($1, $2)`,
		`SELECT '?', "we?rd", ? -- why?` + "\n" + `, ?`: `SELECT '?', "we?rd", $1 -- why?` + "\n" + `, $2`,
		`SELECT 'it''s ?', ?`:                           `SELECT 'it''s ?', $1`,
		`SELECT 1`:                                      `SELECT 1`,
	} {
		if got := numberPlaceholders(in); got != want {
			t.Errorf("numberPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}
