package logging

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMaskHidesPersonalDataAndSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, "debug")
	log.Info("submitted", "phone", "13812345678", "student_number", "2023000123", "password", "hunter2-hunter2",
		"token", "abc.def", "email", "li@example.com", "note", "call me at 13912345678 please",
		"err", errors.New("dial 15012345678 failed"), "task_id", "01a21680-84eb-7300-acee-5ce8e5252057", "count", 12345678901)
	out := buf.String()
	for _, secret := range []string{"13812345678", "2023000123", "hunter2", "abc.def", "li@example.com", "13912345678", "15012345678"} {
		require.NotContains(t, out, secret)
	}
	require.Contains(t, out, "call me at [phone] please")
	require.Contains(t, out, "01a21680-84eb-7300-acee-5ce8e5252057", "ids stay readable")
	require.Contains(t, out, `"count":12345678901`, "numbers that are not strings are not phones")
}

func TestUnknownLevelFallsBackToInfo(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, "loud")
	log.Debug("hidden")
	log.Info("shown")
	require.NotContains(t, buf.String(), "hidden")
	require.Contains(t, buf.String(), "shown")
}
