package workflows

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestNewEmailCodeIsSixDigitsAndVaries(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		c, err := NewEmailCode()
		require.NoError(t, err)
		_, err = ParseEmailCode(c)
		require.NoError(t, err, c)
		seen[c] = true
	}
	require.Greater(t, len(seen), 190, "drawn at random from a million")
}

func TestEmailCodeHashIsKeyedAndBoundToItsRow(t *testing.T) {
	t.Parallel()
	key := []byte("k1")
	h := HashEmailCode(key, "row-1", "123456")
	require.True(t, EmailCodeMatches(key, "row-1", "123456", h))
	require.False(t, EmailCodeMatches(key, "row-1", "123457", h))
	require.False(t, EmailCodeMatches(key, "row-2", "123456", h), "another row's hash")
	require.False(t, EmailCodeMatches([]byte("k2"), "row-1", "123456", h), "another key")
	require.False(t, EmailCodeMatches(key, "row-1", "123456", nil), "no hash stored yet")
	require.NotContains(t, string(h), "123456")
}

// TestEmailCodeComparisonIsConstantTime: the comparison is hmac.Equal
// (crypto/subtle), read from the source so that a rewrite to == or
// bytes.Equal fails here.
func TestEmailCodeComparisonIsConstantTime(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("emailcode.go")
	require.NoError(t, err)
	body := string(src)
	i := strings.Index(body, "func EmailCodeMatches")
	require.Positive(t, i)
	fn := body[i : i+strings.Index(body[i:], "\n}\n")]
	require.Contains(t, fn, "hmac.Equal(")
	require.NotContains(t, fn, "bytes.Equal")
	require.NotContains(t, fn, "==")
}

func TestParseEmailCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"123456": "123456", " 012345\n": "012345"} {
		got, err := ParseEmailCode(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"", "12345", "1234567", "12a456", "１２３４５６", "12 456", "-12345", "+12345"} {
		_, err := ParseEmailCode(in)
		var v *ValidationError
		require.ErrorAs(t, err, &v, "%q", in)
		require.Equal(t, msg.OnboardingEmailCodeFormat, v.Fields["code"].Code, "%q", in)
	}
}

func TestJudgeEmailCode(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	live := EmailCodeState{Exists: true, Sent: true, ExpiresAt: now.Add(time.Minute)}
	p := EmailCodePolicy{}
	codeOf := func(v EmailCodeVerdict) string {
		var e *ValidationError
		if v.Err == nil {
			return ""
		}
		require.ErrorAs(t, v.Err, &e)
		return e.Fields["code"].Code
	}
	require.True(t, JudgeEmailCode(p, live, now, true).OK)
	v := JudgeEmailCode(p, live, now, false)
	require.Equal(t, msg.OnboardingEmailCodeWrong, codeOf(v))
	require.True(t, v.CountAttempt)
	require.False(t, v.Burn)
	last := live
	last.Attempts = 4
	v = JudgeEmailCode(p, last, now, false)
	require.Equal(t, msg.OnboardingEmailCodeAttempts, codeOf(v))
	require.True(t, v.Burn, "the fifth wrong try burns the code")
	spent := live
	spent.Attempts = 5
	require.Equal(t, msg.OnboardingEmailCodeAttempts, codeOf(JudgeEmailCode(p, spent, now, true)), "even the right code")
	burnt := live
	burnt.Burnt = true
	require.False(t, JudgeEmailCode(p, burnt, now, true).OK)
	require.Equal(t, msg.OnboardingEmailCodeExpired, codeOf(JudgeEmailCode(p, live, live.ExpiresAt, true)), "expires at its time")
	used := live
	used.Used = true
	require.Equal(t, msg.OnboardingEmailCodeMissing, codeOf(JudgeEmailCode(p, used, now, true)), "single use")
	require.Equal(t, msg.OnboardingEmailCodeMissing, codeOf(JudgeEmailCode(p, EmailCodeState{}, now, true)))
	unsent := live
	unsent.Sent = false
	require.Equal(t, msg.OnboardingEmailCodeMissing, codeOf(JudgeEmailCode(p, unsent, now, true)))
}

func TestResendWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	p := EmailCodePolicy{}.WithDefaults()
	ago := func(d ...time.Duration) []time.Time {
		var out []time.Time
		for _, x := range d {
			out = append(out, now.Add(-x))
		}
		return out
	}
	require.Zero(t, ResendWait(p, now, nil, nil))
	require.Equal(t, 40*time.Second, ResendWait(p, now, ago(20*time.Second), nil), "cooldown per account")
	require.Equal(t, 50*time.Second, ResendWait(p, now, nil, ago(10*time.Second)), "cooldown per address")
	require.Zero(t, ResendWait(p, now, ago(2*time.Minute, 3*time.Minute), nil))
	five := ago(2*time.Minute, 10*time.Minute, 20*time.Minute, 30*time.Minute, 50*time.Minute)
	require.Equal(t, 10*time.Minute, ResendWait(p, now, five, nil), "the hourly cap frees when the oldest turns an hour old")
	require.Equal(t, 10*time.Minute, ResendWait(p, now, nil, five), "per address too")
	require.Zero(t, ResendWait(p, now, ago(61*time.Minute, 62*time.Minute, 63*time.Minute, 64*time.Minute, 65*time.Minute), nil),
		"sends older than an hour do not count")
}

func TestMaskEmail(t *testing.T) {
	t.Parallel()
	require.Equal(t, "l*****o@pku.edu.cn", MaskEmail("linxiao@pku.edu.cn"))
	require.Equal(t, "**@pku.edu.cn", MaskEmail("ab@pku.edu.cn"))
	require.Equal(t, "王**明@pku.edu.cn", MaskEmail("王小小明@pku.edu.cn"))
	require.Equal(t, "***", MaskEmail("nobody"))
}

func TestCheckDisputeStatement(t *testing.T) {
	t.Parallel()
	ok := "这是我的学号，我有学生证和学校邮箱可以证明。"
	got, err := CheckDisputeStatement("  " + ok + "\n")
	require.NoError(t, err)
	require.Equal(t, ok, got)
	_, err = CheckDisputeStatement(ok + "\n第二行\t也可以。")
	require.NoError(t, err, "line breaks and tabs are text")
	for _, bad := range []string{"", "太短了", strings.Repeat("长", DisputeStatementMax+1), ok + "\x00", ok + "\x1b[31m", string([]byte{0xff, 0xfe}) + ok} {
		_, err := CheckDisputeStatement(bad)
		var v *ValidationError
		require.ErrorAs(t, err, &v, "%q", bad)
		require.Contains(t, v.Fields, "statement")
	}
	for outcome, want := range map[string]string{OutcomeRevokeOther: DisputeUpheld, OutcomeReject: DisputeDismissed} {
		got, ok := DisputeTarget(outcome)
		require.True(t, ok)
		require.Equal(t, want, got)
	}
	_, known := DisputeTarget("revoke")
	require.False(t, known)
}

func TestDisputeMachine(t *testing.T) {
	t.Parallel()
	m := DisputeMachine
	require.True(t, m.Allows("", DisputeOpen))
	require.True(t, m.Allows(DisputeOpen, DisputeUpheld))
	require.True(t, m.Allows(DisputeOpen, DisputeDismissed))
	require.False(t, m.Allows(DisputeUpheld, DisputeDismissed), "decided once")
	require.True(t, OnboardingMachine.Allows(OnboardingVerified, OnboardingRevoked))
	require.True(t, OnboardingMachine.IsFinal(OnboardingRevoked))
	require.False(t, OnboardingMachine.Allows(OnboardingRevoked, OnboardingPending), "a revoked profile stays revoked")
}
