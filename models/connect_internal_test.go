package models

import "testing"

func TestWithConnectTimeout(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write": "postgres://u@h1:5432,h2:5432/db?connect_timeout=5&target_session_attrs=read-write",
		"postgresql://u@h/db?connect_timeout=2":                           "postgresql://u@h/db?connect_timeout=2",
		"host=h1,h2 dbname=db":                                            "host=h1,h2 dbname=db",
	} {
		if got := withConnectTimeout(in); got != want {
			t.Errorf("withConnectTimeout(%q) = %q, want %q", in, got, want)
		}
	}
}
