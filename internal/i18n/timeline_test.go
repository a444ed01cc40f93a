package i18n

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// A notification is rendered from its code and its event's reasons in the
// reader's language; one written before codes keeps its English text.
func TestNotification(t *testing.T) {
	t.Parallel()
	n := models.Notification{Code: msg.NoticeStateChanged, Params: map[string]any{"entity": "onboarding", "state": "needs_info"}}
	reasons := []models.Reason{{Field: "college_email", Code: msg.OnboardingEmailDomain, Params: map[string]any{"domains": []any{"zju.edu.cn"}}}}

	title, body := NewPrinter(EN, time.UTC).Notification(n, reasons)
	require.Equal(t, "student verification: waiting for more information", title)
	require.Contains(t, body, "Your student verification is now waiting for more information.")
	require.Contains(t, body, "zju.edu.cn", "the event's reasons follow")

	title, body = NewPrinter(ZH, time.UTC).Notification(n, reasons)
	require.Equal(t, "学生认证："+NewPrinter(ZH, time.UTC).State("needs_info"), title)
	require.Contains(t, body, "您的学生认证现在的状态是")
	require.Contains(t, body, "zju.edu.cn")
	require.NotContains(t, body, "needs_info", "no raw state in Chinese")
	require.NotContains(t, body, "。 ", "Chinese sentences follow each other without a space")

	due := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	review := models.Notification{Code: msg.NoticeReviewAssigned, Params: map[string]any{"due": due.Format(time.RFC3339)}}
	_, body = NewPrinter(ZH, time.UTC).Notification(review, nil)
	require.Equal(t, "有一份基金申请等待您评审，截止时间 2026年12月7日 08:00（UTC）。", body)

	old := models.Notification{Title: "Shop verification: verified", Body: "Your shop verification is now verified."}
	title, body = NewPrinter(ZH, time.UTC).Notification(old, nil)
	require.Equal(t, old.Title, title, "rows written before codes keep their text")
	require.Equal(t, old.Body, body)
}

// A reason stored before codes (an undotted code and its English text)
// shows that text; a coded reason renders in the reader's language.
func TestReasonWrittenBeforeCodes(t *testing.T) {
	t.Parallel()
	var old models.Reason
	require.NoError(t, json.Unmarshal([]byte(`{"field":"college_email","code":"domain_mismatch","message":"use your college e-mail address"}`), &old))
	require.Equal(t, "use your college e-mail address", NewPrinter(ZH, time.UTC).Reason(old))
	coded := models.Reason{Code: msg.FundAmountOverCap, Params: map[string]any{"max": 800000}, Legacy: "stale text"}
	require.Equal(t, "本项目每份资助最多 8,000.00 元，请降低申请金额。", NewPrinter(ZH, time.UTC).Reason(coded),
		"a known code wins over stored text")
	b, err := json.Marshal(models.Reason{Code: msg.FundClosed})
	require.NoError(t, err)
	require.JSONEq(t, `{"code":"fund.closed"}`, string(b), "new reasons store no text")
}
