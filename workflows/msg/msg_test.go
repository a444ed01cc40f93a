package msg

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	m := New(FundNotOpen, Time("opens_at", at), Fen("max", 800_000), Int("n", 3), Text("name", "李"),
		Texts("domains", []string{"a.edu.cn"}))
	require.Equal(t, Message{Code: FundNotOpen, Params: map[string]any{
		"opens_at": at.UTC(), "max": int64(800_000), "n": int64(3), "name": "李", "domains": []string{"a.edu.cn"},
	}}, m)
	require.Equal(t, time.UTC, m.Params["opens_at"].(time.Time).Location(), "times are kept in UTC")
	require.Nil(t, New(FieldRequired).Params, "no params, no map")
	require.Equal(t, int64(2), New(FieldTooLong, Int("max", 1), Int("max", 2)).Params["max"], "the last of a name wins")

	list := []string{"a"}
	p := Texts("values", list)
	list[0] = "changed"
	require.Equal(t, []string{"a"}, p.Value, "a list param is a copy")
}

func TestMessageJSONAndString(t *testing.T) {
	m := New(FundAmountOverCap, Fen("max", 800_000), Time("at", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	b, err := json.Marshal(m)
	require.NoError(t, err)
	require.JSONEq(t, `{"code": "fund.amount_over_cap", "params": {"max": 800000, "at": "2026-01-02T03:04:05Z"}}`, string(b))
	b, err = json.Marshal(New(FieldRequired))
	require.NoError(t, err)
	require.JSONEq(t, `{"code": "field.required"}`, string(b), "params are omitted when there are none")

	require.Equal(t, "fund.amount_over_cap{at=2026-01-02T03:04:05Z max=800000}", m.String())
	require.Equal(t, "field.required", New(FieldRequired).String())
	require.True(t, Message{}.IsZero())
	require.False(t, m.IsZero())
}
